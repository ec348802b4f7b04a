//! The system clipboard through the outer terminal: OSC 52, which works
//! over SSH and needs no X or Wayland on this side.

/// Longest copy sent by OSC 52, in base64: terminals refuse (or choke on)
/// more; xterm's default limit is far below this, others' around it.
pub const MAX_OSC52: usize = 1 << 20;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The sequence that puts `text` on the clipboard, or `None` when it is
/// too long for terminals to take.
pub fn osc52(text: &str) -> Option<Vec<u8>> {
    let data = base64(text.as_bytes());
    if data.len() > MAX_OSC52 {
        return None;
    }
    let mut out = b"\x1b]52;c;".to_vec();
    out.extend_from_slice(data.as_bytes());
    out.extend_from_slice(b"\x1b\\");
    Some(out)
}
