//! What a session name may be. Names are typed in prompts and on command
//! lines, and shown in one list row, so they stay short and printable.

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("a name has at most {MAX_NAME_CHARS} characters (this one has {0})")]
    TooLong(usize),
    #[error("a name cannot contain control characters (such as tab or newline)")]
    Control,
    #[error("a name cannot contain '/'")]
    Slash,
    #[error(
        "a name cannot contain invisible or text-direction characters (here {0}): \
         they make a name read as another"
    )]
    Invisible(String),
}

/// Checks a typed name. Empty or whitespace-only means anonymous (`None`);
/// surrounding whitespace is dropped.
pub fn validate_name(input: &str) -> Result<Option<String>, NameError> {
    let name = input.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong(chars));
    }
    if name.chars().any(char::is_control) {
        return Err(NameError::Control);
    }
    if name.contains('/') {
        return Err(NameError::Slash);
    }
    if let Some(c) = name.chars().find(|c| crate::text::is_invisible(*c)) {
        return Err(NameError::Invisible(format!("U+{:04X}", u32::from(c))));
    }
    Ok(Some(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_anonymous_and_names_are_trimmed() {
        assert_eq!(validate_name(""), Ok(None));
        assert_eq!(validate_name("   \t "), Ok(None));
        assert_eq!(validate_name("  build "), Ok(Some("build".into())));
        assert_eq!(
            validate_name("ünïcode 名前"),
            Ok(Some("ünïcode 名前".into()))
        );
    }

    #[test]
    fn bad_names_say_why() {
        assert_eq!(validate_name(&"x".repeat(65)), Err(NameError::TooLong(65)));
        assert!(validate_name(&"é".repeat(64)).is_ok());
        assert_eq!(validate_name("a\u{7}b"), Err(NameError::Control));
        assert_eq!(validate_name("a\nb"), Err(NameError::Control));
        assert_eq!(validate_name("a/b"), Err(NameError::Slash));
        assert_eq!(
            validate_name("exe.\u{202e}txt"),
            Err(NameError::Invisible("U+202E".into()))
        );
        assert!(validate_name("a\u{200b}b").is_err());
        assert!(validate_name("a\u{9b}b").is_err());
    }
}
