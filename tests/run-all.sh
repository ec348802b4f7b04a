#!/usr/bin/env bash
# Runs every sessui test. Installs what the tests need when it is missing
# (OpenSSH server and client, tmux, vim, iproute2, cargo-deny, and the
# programs the conformance tests run: dialog, whiptail, htop), checks the
# dependencies, then builds once and runs the whole suite against one shared
# target directory.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v tmux >/dev/null || missing+=(tmux)
command -v vi >/dev/null || missing+=(vim-tiny)
command -v ip >/dev/null || missing+=(iproute2)
command -v script >/dev/null || missing+=(bsdutils)
command -v setsid >/dev/null || missing+=(util-linux)
# Programs the conformance tests run in a session and in a bare terminal.
command -v dialog >/dev/null || missing+=(dialog)
command -v whiptail >/dev/null || missing+=(whiptail)
command -v htop >/dev/null || missing+=(htop)
command -v less >/dev/null || missing+=(less)
command -v top >/dev/null || missing+=(procps)
command -v tput >/dev/null || missing+=(ncurses-bin)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test dependencies: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# sshd refuses to start without its privilege separation directory, which
# only its service unit creates; the SSH tests start sshd by hand.
if [ ! -d /run/sshd ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo mkdir -p /run/sshd
  $sudo chmod 755 /run/sshd
fi

# The tests run with an empty HOME: the shells they start (in-process test
# managers start jobs with this environment) must not read the developer's
# dotfiles; a ~/.bashrc running `pyenv init` hangs each new shell for 60 s
# whenever pyenv's rehash lock is stale. Cargo and rustup keep their homes.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
test_home=$(mktemp -d)
trap 'rm -rf "$test_home"' EXIT
export HOME="$test_home"

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
start=$(date +%s)

# Dependencies (docs/security.md): licences, duplicate crypto crates and
# sources are checked on every run; advisories when the RustSec database can
# be fetched (with git), and the output says so when it cannot.
deny_version=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q " $deny_version"; then
  echo "installing cargo-deny $deny_version from crates.io (once per machine)"
  # A quick build: the tool checks a lock file, it need not be fast itself.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install cargo-deny --locked --quiet --version "$deny_version"
fi
cargo deny --log-level error check licenses bans sources
if timeout 120 cargo deny --log-level error fetch db >/dev/null 2>&1; then
  cargo deny --log-level error check --disable-fetch advisories
  echo "cargo deny: licences, bans, sources and advisories checked"
else
  echo "cargo deny: ADVISORIES NOT CHECKED: the RustSec advisory database could not be" \
    "fetched from this machine; licences, bans and sources were checked"
fi

# The library as users build it (no test hooks): what nothing uses is an error.
cargo clippy -p sessui --lib --bins -- -D warnings
cargo build --workspace --all-targets
cargo test --workspace --all-targets --no-fail-fast -- --test-threads="${SESSUI_TEST_THREADS:-4}"
echo "all tests passed in $(( $(date +%s) - start )) s"
