//! Cutting a byte stream into lines incrementally, with a cap on one line so a task printing
//! gigabytes without a newline never makes baton buffer it whole.

/// Longest line kept; the rest of a longer line is dropped and the line marked as truncated.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Marker appended to a line cut at [`MAX_LINE_BYTES`].
pub const TRUNCATED_MARKER: &str = " [... line truncated by baton]";

/// Accumulates chunks and hands out complete lines.
#[derive(Debug)]
pub struct LineSplitter {
    buffer: Vec<u8>,
    max: usize,
    /// Inside an over-long line whose head was already emitted: skip up to the next newline.
    discarding: bool,
}

impl Default for LineSplitter {
    fn default() -> Self {
        Self::with_max(MAX_LINE_BYTES)
    }
}

impl LineSplitter {
    /// A splitter keeping at most `max` bytes of a line.
    pub fn with_max(max: usize) -> Self {
        Self {
            buffer: Vec::new(),
            max,
            discarding: false,
        }
    }

    /// Feeds a chunk; calls `emit` for every line it completes (without the line ending).
    pub fn push(&mut self, mut chunk: &[u8], mut emit: impl FnMut(String)) {
        while !chunk.is_empty() {
            let newline = chunk.iter().position(|&b| b == b'\n');
            let (part, rest, ends_line) = match newline {
                Some(at) => (&chunk[..at], &chunk[at + 1..], true),
                None => (chunk, &chunk[chunk.len()..], false),
            };
            chunk = rest;
            if !self.discarding {
                let room = self.max.saturating_sub(self.buffer.len());
                self.buffer.extend_from_slice(&part[..part.len().min(room)]);
                if part.len() > room {
                    emit(self.take_line(true));
                    self.discarding = true;
                }
            }
            if ends_line {
                if self.discarding {
                    self.discarding = false;
                } else {
                    emit(self.take_line(false));
                }
            }
        }
    }

    /// Ends the stream: the last unterminated line, if any.
    pub fn finish(&mut self) -> Option<String> {
        if self.buffer.is_empty() || self.discarding {
            self.discarding = false;
            self.buffer.clear();
            return None;
        }
        Some(self.take_line(false))
    }

    fn take_line(&mut self, truncated: bool) -> String {
        let bytes = std::mem::take(&mut self.buffer);
        let mut line = String::from_utf8_lossy(&bytes).into_owned();
        if line.ends_with('\r') {
            line.pop();
        }
        if truncated {
            line.push_str(TRUNCATED_MARKER);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(max: usize, chunks: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::with_max(max);
        let mut lines = Vec::new();
        for chunk in chunks {
            splitter.push(chunk, |line| lines.push(line));
        }
        lines.extend(splitter.finish());
        lines
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        assert_eq!(
            split(100, &[b"ab", b"c\nde", b"f\r\n", b"tail"]),
            ["abc", "def", "tail"]
        );
    }

    #[test]
    fn an_over_long_line_is_truncated_and_the_next_line_kept() {
        let lines = split(4, &[b"abcdefgh", b"ijk\nok\n"]);
        assert_eq!(lines, [format!("abcd{TRUNCATED_MARKER}"), "ok".to_owned()]);
    }

    #[test]
    fn a_line_of_exactly_max_bytes_is_not_truncated() {
        assert_eq!(split(4, &[b"abcd\n"]), ["abcd"]);
    }
}
