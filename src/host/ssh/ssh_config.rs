//! `~/.ssh/config` read as OpenSSH reads it: `Host` and `Match` blocks,
//! `Include`, the first value obtained wins, `%` tokens. A `Match` that
//! cannot be evaluated here is an error naming the line, never a block
//! silently applied to the wrong host (or silently skipped).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::error::SshError;

/// Includes nested deeper than this are surely a loop (OpenSSH's limit too).
const MAX_INCLUDE_DEPTH: usize = 16;
/// A `Match exec` command that runs longer does not match.
const EXEC_LIMIT: Duration = Duration::from_secs(10);

/// Keywords whose every occurrence counts, not just the first.
const MULTI: &[&str] = &[
    "identityfile",
    "certificatefile",
    "localforward",
    "remoteforward",
    "dynamicforward",
    "sendenv",
];

/// One value as written, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub args: Vec<String>,
    pub file: PathBuf,
    pub line: usize,
}

impl Entry {
    /// `~/.ssh/config line 7`, for messages.
    pub fn place(&self) -> String {
        format!("{} line {}", super::dest::tilde(&self.file), self.line)
    }
}

/// Everything the config says about one host, keywords lowercased.
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    values: HashMap<String, Vec<Entry>>,
}

impl HostConfig {
    /// The value that counts (the first one obtained).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.values.get(key).and_then(|v| v.first())
    }

    /// The first argument of the value that counts.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(|e| e.args.first())
            .map(String::as_str)
    }

    /// Every value of a keyword that accumulates (`IdentityFile`).
    pub fn all(&self, key: &str) -> Vec<&Entry> {
        self.values
            .get(key)
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    }

    /// A `yes`/`no` keyword's value, if set.
    pub fn flag(&self, key: &str) -> Option<bool> {
        self.first(key).map(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "yes" | "true" | "on" | "always"
            )
        })
    }

    fn set(&mut self, key: String, entry: Entry) {
        let slot = self.values.entry(key.clone()).or_default();
        if (slot.is_empty() || MULTI.contains(&key.as_str())) && !slot.contains(&entry) {
            slot.push(entry);
        }
    }
}

/// Who is connecting where: what `Host`, `Match` and `%` tokens look at.
#[derive(Debug, Clone)]
pub struct Query {
    /// The host as the user wrote it.
    pub original: String,
    /// The user from `user@host`, if given.
    pub user: Option<String>,
    /// The port from `host:port`, if given.
    pub port: Option<u16>,
    pub local_user: String,
    pub home: PathBuf,
}

/// One line of a config file, tokenised.
struct Line {
    key: String,
    args: Vec<String>,
    line: usize,
}

/// Reads `path` (a missing file is an empty config) for `query`.
pub fn read(path: &Path, query: &Query) -> Result<HostConfig, SshError> {
    let mut eval = Eval {
        query,
        config: HostConfig::default(),
        final_pass: false,
        wants_final: false,
        tag: None,
    };
    eval.file(path, 0, true)?;
    if eval.wants_final {
        // `Match final` blocks apply in a second pass over everything.
        eval.final_pass = true;
        eval.file(path, 0, true)?;
    }
    Ok(eval.config)
}

struct Eval<'a> {
    query: &'a Query,
    config: HostConfig,
    final_pass: bool,
    wants_final: bool,
    tag: Option<String>,
}

impl Eval<'_> {
    fn file(&mut self, path: &Path, depth: usize, active: bool) -> Result<(), SshError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && depth == 0 => return Ok(()),
            Err(e) => return Err(config_error(path, 0, &e.to_string())),
        };
        let mut active = active;
        for line in tokenise(&text) {
            let line = line.map_err(|(n, why)| config_error(path, n, &why))?;
            let here = |why: &str| config_error(path, line.line, why);
            match line.key.as_str() {
                "host" => active = self.host_matches(&line.args),
                "match" => active = self.match_matches(&line.args).map_err(|w| here(&w))?,
                "include" if active => {
                    if depth >= MAX_INCLUDE_DEPTH {
                        return Err(here("Include nested too deep (a loop?)"));
                    }
                    for pattern in &line.args {
                        for inc in self.include_files(pattern).map_err(|w| here(&w))? {
                            // An included file's blocks end with it.
                            self.file(&inc, depth + 1, active)?;
                        }
                    }
                }
                "include" => {}
                "tag" if active && self.tag.is_none() => {
                    self.tag = line.args.first().cloned();
                }
                "tag" => {}
                _ if active => self.config.set(
                    line.key,
                    Entry {
                        args: line.args,
                        file: path.to_path_buf(),
                        line: line.line,
                    },
                ),
                _ => {}
            }
        }
        Ok(())
    }

    fn host_matches(&self, patterns: &[String]) -> bool {
        pattern_list(patterns, &self.query.original)
    }

    /// The host name so far: `HostName` if one was obtained, else as given.
    fn current_host(&self) -> String {
        match self.config.first("hostname") {
            Some(h) => h.replace("%h", &self.query.original).replace("%%", "%"),
            None => self.query.original.clone(),
        }
    }

    fn current_user(&self) -> String {
        self.query
            .user
            .clone()
            .or_else(|| self.config.first("user").map(str::to_string))
            .unwrap_or_else(|| self.query.local_user.clone())
    }

    fn match_matches(&mut self, args: &[String]) -> Result<bool, String> {
        if args.is_empty() {
            return Err("Match needs a criterion (such as `all` or `host NAME`)".into());
        }
        let mut all = true;
        let mut i = 0;
        while i < args.len() {
            let (negate, word) = match args[i].strip_prefix('!') {
                Some(w) => (true, w.to_ascii_lowercase()),
                None => (false, args[i].to_ascii_lowercase()),
            };
            i += 1;
            let yes = match word.as_str() {
                "all" => true,
                // No canonicalisation happens here, so no pass is canonical.
                "canonical" => false,
                "final" => {
                    self.wants_final = true;
                    self.final_pass
                }
                "host" | "originalhost" | "user" | "localuser" | "tagged" | "exec" => {
                    let Some(arg) = args.get(i) else {
                        return Err(format!("Match {word} needs an argument"));
                    };
                    i += 1;
                    let pats: Vec<String> = arg.split(',').map(str::to_string).collect();
                    match word.as_str() {
                        "host" => pattern_list(&pats, &self.current_host()),
                        "originalhost" => pattern_list(&pats, &self.query.original),
                        "user" => pattern_list(&pats, &self.current_user()),
                        "localuser" => pattern_list(&pats, &self.query.local_user),
                        "tagged" => self.tag.as_ref().is_some_and(|t| pattern_list(&pats, t)),
                        _ => self.exec(arg)?,
                    }
                }
                other => {
                    return Err(format!(
                        "sessui cannot evaluate `Match {other}`; it would apply this block to \
                         hosts it is not meant for, or skip it where it is. Move what sessui \
                         needs into a `Host` block"
                    ));
                }
            };
            all &= yes != negate;
        }
        Ok(all)
    }

    /// `Match exec`: the command's success, as OpenSSH runs it (`sh -c`).
    fn exec(&self, command: &str) -> Result<bool, String> {
        let command = expand(command, &self.tokens())?;
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run `Match exec` command: {e}"))?;
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                return Ok(status.success());
            }
            if start.elapsed() > EXEC_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                tracing::warn!("`Match exec {command}` ran over {EXEC_LIMIT:?}: taken as no match");
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn tokens(&self) -> Tokens {
        Tokens {
            host: self.current_host(),
            original: self.query.original.clone(),
            port: self
                .query
                .port
                .or_else(|| self.config.first("port").and_then(|p| p.parse().ok()))
                .unwrap_or(22),
            user: self.current_user(),
            local_user: self.query.local_user.clone(),
            home: self.query.home.clone(),
            alias: self.config.first("hostkeyalias").map(str::to_string),
            jump: self.config.first("proxyjump").map(str::to_string),
        }
    }

    fn include_files(&self, pattern: &str) -> Result<Vec<PathBuf>, String> {
        let pattern = match pattern.strip_prefix("~/") {
            Some(rest) => self.query.home.join(rest),
            None if Path::new(pattern).is_absolute() => PathBuf::from(pattern),
            // Relative paths are under ~/.ssh, as for the user's own config.
            None => self.query.home.join(".ssh").join(pattern),
        };
        glob(&pattern)
    }
}

/// The values `%` tokens stand for.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub host: String,
    pub original: String,
    pub port: u16,
    pub user: String,
    pub local_user: String,
    pub home: PathBuf,
    pub alias: Option<String>,
    pub jump: Option<String>,
}

/// Replaces `%h`, `%p`, `%r`, ... as OpenSSH does; an unknown token is an error.
pub fn expand(text: &str, t: &Tokens) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(token) = chars.next() else {
            return Err(format!("'{text}' ends in a lone '%'"));
        };
        match token {
            '%' => out.push('%'),
            'h' => out.push_str(&t.host),
            'n' => out.push_str(&t.original),
            'p' => out.push_str(&t.port.to_string()),
            'r' => out.push_str(&t.user),
            'u' => out.push_str(&t.local_user),
            'd' => out.push_str(&t.home.display().to_string()),
            'i' => out.push_str(&nix::unistd::getuid().to_string()),
            'k' => out.push_str(t.alias.as_deref().unwrap_or(&t.host)),
            'j' => out.push_str(t.jump.as_deref().unwrap_or_default()),
            'l' | 'L' => {
                let name = nix::unistd::gethostname()
                    .map(|h| h.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let short = name.split('.').next().unwrap_or_default().to_string();
                out.push_str(if token == 'L' { &short } else { &name });
            }
            other => {
                return Err(format!(
                    "sessui does not know the token %{other} in '{text}'"
                ));
            }
        }
    }
    Ok(out)
}

/// OpenSSH pattern lists: any positive match and no negated one.
pub fn pattern_list(patterns: &[String], text: &str) -> bool {
    let mut matched = false;
    for p in patterns.iter().flat_map(|p| p.split(',')) {
        if let Some(neg) = p.strip_prefix('!') {
            if wildcard(neg, text) {
                return false;
            }
        } else if wildcard(p, text) {
            matched = true;
        }
    }
    matched
}

/// `*` and `?` globbing, case-insensitive as host names are.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Files matching a path whose last components may hold `*` and `?`,
/// sorted (OpenSSH includes in glob order). No match is no file.
fn glob(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = vec![PathBuf::from("/")];
    for part in pattern.components().skip(1) {
        let part = part.as_os_str().to_string_lossy().to_string();
        let mut next = Vec::new();
        for dir in found {
            if part.contains(['*', '?']) {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                let mut names: Vec<String> = entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| !n.starts_with('.') && wildcard(&part, n))
                    .collect();
                names.sort();
                next.extend(names.into_iter().map(|n| dir.join(n)));
            } else {
                next.push(dir.join(&part));
            }
        }
        found = next;
    }
    Ok(found.into_iter().filter(|p| p.is_file()).collect())
}

/// Splits the text into keyword lines: `Key value`, `Key=value`, quoted
/// arguments, comments from a `#` that starts a word.
fn tokenise(text: &str) -> impl Iterator<Item = Result<Line, (usize, String)>> + '_ {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let n = i + 1;
        let words = match split_words(raw) {
            Ok(w) => w,
            Err(why) => return Some(Err((n, why))),
        };
        let mut words = words.into_iter();
        let first = words.next()?;
        let (key, rest) = match first.split_once('=') {
            Some((k, v)) => (k.to_string(), (!v.is_empty()).then(|| v.to_string())),
            None => (first, None),
        };
        let mut args: Vec<String> = rest.into_iter().collect();
        for w in words {
            match w.strip_prefix('=') {
                Some("") if args.is_empty() => {}
                Some(v) if args.is_empty() => args.push(v.to_string()),
                _ => args.push(w),
            }
        }
        Some(Ok(Line {
            key: key.to_ascii_lowercase(),
            args,
            line: n,
        }))
    })
}

fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = line.trim().chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&c) = chars.peek() else { break };
        if c == '#' {
            break;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') if matches!(chars.peek(), Some('"' | '\\')) => {
                        word.extend(chars.next());
                    }
                    Some(ch) => word.push(ch),
                    None => return Err("unterminated quote".into()),
                }
            }
        } else {
            while let Some(ch) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(ch);
            }
        }
        words.push(word);
    }
    Ok(words)
}

fn config_error(path: &Path, line: usize, why: &str) -> SshError {
    SshError::Config {
        path: if line == 0 {
            path.display().to_string()
        } else {
            format!("{} line {line}", path.display())
        },
        message: why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(host: &str) -> Query {
        Query {
            original: host.into(),
            user: None,
            port: None,
            local_user: "me".into(),
            home: PathBuf::from("/home/me"),
        }
    }

    fn read_text(text: &str, host: &str) -> Result<HostConfig, SshError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, text).unwrap();
        read(&path, &query(host))
    }

    #[test]
    fn first_value_wins_and_blocks_end_where_the_next_begins() {
        let c = read_text(
            "Port 2000\nHost db*\n  User admin\n  IdentityFile a\nHost *\n  User other\n  \
             IdentityFile=b\n  Ciphers = aes128-ctr\n",
            "db1",
        )
        .unwrap();
        assert_eq!(c.first("port"), Some("2000"));
        assert_eq!(c.first("user"), Some("admin"));
        let files: Vec<&str> = c
            .all("identityfile")
            .iter()
            .map(|e| e.args[0].as_str())
            .collect();
        assert_eq!(files, vec!["a", "b"]);
        assert_eq!(c.first("ciphers"), Some("aes128-ctr"));
        assert_eq!(c.get("user").unwrap().line, 3);
    }

    #[test]
    fn match_blocks_apply_only_where_they_match() {
        let text = "Host box\n  HostName 10.0.0.5\nMatch originalhost other\n  User wrong\n\
                    Match host 10.0.0.* user me\n  StrictHostKeyChecking yes\n\
                    Match !host 10.* all\n  Port 1\nMatch exec \"exit 1\"\n  Port 2\n\
                    Match exec \"test %h = 10.0.0.5\"\n  Port 3\n";
        let c = read_text(text, "box").unwrap();
        assert_eq!(c.first("user"), None);
        assert_eq!(c.flag("stricthostkeychecking"), Some(true));
        assert_eq!(c.first("port"), Some("3"));
    }

    #[test]
    fn final_blocks_apply_in_a_second_pass_and_tags_are_matched() {
        let text = "Match final\n  User late\nHost t\n  Tag work\nMatch tagged work\n  Port 9\n";
        let c = read_text(text, "t").unwrap();
        assert_eq!(c.first("user"), Some("late"));
        assert_eq!(c.first("port"), Some("9"));
    }

    #[test]
    fn a_match_that_cannot_be_evaluated_names_its_line() {
        let err = read_text(
            "Host x\n  User a\nMatch localnetwork 10.0.0.0/8\n  User b\n",
            "x",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("Match localnetwork"), "{err}");
    }

    #[test]
    fn includes_are_read_in_place_and_end_their_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let inc = dir.path().join("inc.conf");
        std::fs::write(&inc, "Host other\n  User nope\n").unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            format!(
                "Host box\n  Include {}\n  Port 7\n",
                dir.path().join("*.conf").display()
            ),
        )
        .unwrap();
        let c = read(&path, &query("box")).unwrap();
        assert_eq!(c.first("user"), None);
        assert_eq!(c.first("port"), Some("7"), "the including block goes on");
    }

    #[test]
    fn tokens_expand_and_unknown_ones_are_errors() {
        let t = Tokens {
            host: "10.0.0.5".into(),
            original: "box".into(),
            port: 2222,
            user: "admin".into(),
            local_user: "me".into(),
            home: "/home/me".into(),
            alias: None,
            jump: None,
        };
        assert_eq!(
            expand("%d/.ssh/%r@%h:%p-%n %%", &t).unwrap(),
            "/home/me/.ssh/admin@10.0.0.5:2222-box %"
        );
        assert!(expand("%Q", &t).is_err());
    }

    #[test]
    fn quoted_words_and_comments() {
        assert_eq!(
            split_words(r#"  IdentityFile "/a b/c" x # comment"#).unwrap(),
            vec!["IdentityFile", "/a b/c", "x"]
        );
        assert!(split_words(r#"X "open"#).is_err());
    }
}
