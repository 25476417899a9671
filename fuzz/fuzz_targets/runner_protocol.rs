//! Arbitrary task output: every line through the `::{json}::` protocol parser, and the whole
//! stream through `LineSplitter` in chunks whose sizes come from the input, checking that no
//! line exceeds the cap.
#![no_main]

use baton::runner::lines::{LineSplitter, TRUNCATED_MARKER};
use baton::runner::protocol::parse_line;
use libfuzzer_sys::fuzz_target;

const MAX: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Some((&chunking, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunking % 17) + 1;
    let mut splitter = LineSplitter::with_max(MAX);
    let mut lines = Vec::new();
    for piece in stream.chunks(chunk) {
        splitter.push(piece, |line| lines.push(line));
    }
    lines.extend(splitter.finish());
    for line in &lines {
        // A cut line may grow by lossy UTF-8 replacement (3 bytes per bad byte) and the marker.
        assert!(
            line.len() <= MAX * 3 + TRUNCATED_MARKER.len(),
            "line of {}",
            line.len()
        );
        let _ = parse_line(line);
    }
    let _ = parse_line(&String::from_utf8_lossy(stream));
});
