//! `sessui send` text escapes: `\n` (Enter), `\r`, `\t`, `\e` (Escape),
//! `\\`, `\xNN` (any byte).

/// Turns escapes into bytes; an unknown escape is an error naming it.
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            // Enter sends CR, as a terminal does; `\x0a` sends a bare LF.
            Some('n') | Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('e') => out.push(0x1b),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let byte = u8::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 2)
                    .ok_or_else(|| {
                        format!("'\\x{hex}' needs two hex digits, e.g. \\x03 for Ctrl-C")
                    })?;
                out.push(byte);
            }
            Some(other) => {
                return Err(format!(
                    "unknown escape '\\{other}': use \\n \\r \\t \\e \\\\ or \\xNN"
                ));
            }
            None => return Err("the text ends with a lone '\\'; write \\\\ for a backslash".into()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_bytes() {
        assert_eq!(unescape("make test\\n").unwrap(), b"make test\r");
        assert_eq!(
            unescape("a\\tb\\e[A\\x03\\\\").unwrap(),
            b"a\tb\x1b[A\x03\\"
        );
        assert_eq!(unescape("é").unwrap(), "é".as_bytes());
    }

    #[test]
    fn bad_escapes_say_what_to_write() {
        assert!(unescape("\\q").unwrap_err().contains("\\q"));
        assert!(unescape("\\x4").unwrap_err().contains("two hex digits"));
        assert!(unescape("\\xzz").unwrap_err().contains("two hex digits"));
        assert!(unescape("end\\").unwrap_err().contains("lone"));
    }
}
