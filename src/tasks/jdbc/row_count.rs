//! Counting the rows of a `COPY ... TO STDOUT` stream as it passes (the driver does not report
//! the count): lines for TEXT, lines outside quotes for CSV, tuples for BINARY.

/// A streaming row counter for one COPY format.
#[derive(Debug)]
pub enum RowCounter {
    /// TEXT: every row ends with a newline (newlines in values are escaped).
    Text { rows: u64 },
    /// CSV: newlines inside quoted values do not end a row.
    Csv(CsvState),
    /// BINARY: tuples of the binary COPY format.
    Binary(BinaryState),
}

/// State of the CSV counter.
#[derive(Debug)]
pub struct CsvState {
    rows: u64,
    quote: u8,
    escape: u8,
    in_quotes: bool,
    escaped: bool,
}

/// State of the binary counter.
#[derive(Debug)]
pub struct BinaryState {
    rows: u64,
    step: Step,
    fields_left: i16,
    pending: Vec<u8>,
    skip: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Header,
    TupleCount,
    FieldLength,
    Done,
}

/// Signature, flags and extension length of the binary COPY header.
const HEADER_LEN: usize = 19;

impl RowCounter {
    /// A counter for TEXT output.
    pub fn text() -> Self {
        Self::Text { rows: 0 }
    }

    /// A counter for CSV output with these quote and escape bytes.
    pub fn csv(quote: u8, escape: u8) -> Self {
        Self::Csv(CsvState {
            rows: 0,
            quote,
            escape,
            in_quotes: false,
            escaped: false,
        })
    }

    /// A counter for BINARY output.
    pub fn binary() -> Self {
        Self::Binary(BinaryState {
            rows: 0,
            step: Step::Header,
            fields_left: 0,
            pending: Vec::new(),
            skip: 0,
        })
    }

    /// Rows seen so far (header line included for CSV with a header).
    pub fn rows(&self) -> u64 {
        match self {
            Self::Text { rows } => *rows,
            Self::Csv(state) => state.rows,
            Self::Binary(state) => state.rows,
        }
    }

    /// Feeds the next chunk.
    pub fn feed(&mut self, chunk: &[u8]) {
        match self {
            Self::Text { rows } => *rows += chunk.iter().filter(|b| **b == b'\n').count() as u64,
            Self::Csv(state) => state.feed(chunk),
            Self::Binary(state) => state.feed(chunk),
        }
    }
}

impl CsvState {
    fn feed(&mut self, chunk: &[u8]) {
        for &byte in chunk {
            if self.escaped {
                self.escaped = false;
                continue;
            }
            if self.in_quotes {
                if byte == self.escape && self.escape != self.quote {
                    self.escaped = true;
                } else if byte == self.quote {
                    // A doubled quote closes and reopens: the net state is right either way.
                    self.in_quotes = false;
                }
            } else if byte == self.quote {
                self.in_quotes = true;
            } else if byte == b'\n' {
                self.rows += 1;
            }
        }
    }
}

impl BinaryState {
    fn feed(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() && self.step != Step::Done {
            if self.skip > 0 {
                let n = usize::try_from(self.skip)
                    .unwrap_or(usize::MAX)
                    .min(chunk.len());
                chunk = &chunk[n..];
                self.skip -= n as u64;
                continue;
            }
            let need = match self.step {
                Step::Header => HEADER_LEN,
                Step::TupleCount => 2,
                Step::FieldLength => 4,
                Step::Done => return,
            };
            let take = (need - self.pending.len()).min(chunk.len());
            self.pending.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.pending.len() == need {
                self.advance();
                self.pending.clear();
            }
        }
    }

    fn advance(&mut self) {
        let p = &self.pending;
        match self.step {
            Step::Header => {
                self.skip = u64::from(u32::from_be_bytes([p[15], p[16], p[17], p[18]]));
                self.step = Step::TupleCount;
            }
            Step::TupleCount => {
                let fields = i16::from_be_bytes([p[0], p[1]]);
                if fields < 0 {
                    self.step = Step::Done;
                } else {
                    self.rows += 1;
                    self.fields_left = fields;
                    self.step = if fields == 0 {
                        Step::TupleCount
                    } else {
                        Step::FieldLength
                    };
                }
            }
            Step::FieldLength => {
                let len = i32::from_be_bytes([p[0], p[1], p[2], p[3]]);
                self.skip = u64::try_from(len).unwrap_or(0);
                self.fields_left -= 1;
                if self.fields_left == 0 {
                    self.step = Step::TupleCount;
                }
            }
            Step::Done => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(mut counter: RowCounter, data: &[u8], chunk: usize) -> u64 {
        for part in data.chunks(chunk) {
            counter.feed(part);
        }
        counter.rows()
    }

    #[test]
    fn csv_newlines_inside_quotes_do_not_count() {
        let data = b"a,b\n\"x\ny\",\"he said \"\"hi\"\"\"\n3,4\n";
        for chunk in [1, 2, 5, 100] {
            assert_eq!(count(RowCounter::csv(b'"', b'"'), data, chunk), 3);
        }
        let escaped = b"\"a\\\"\nb\",1\n";
        assert_eq!(count(RowCounter::csv(b'"', b'\\'), escaped, 1), 1);
    }

    #[test]
    fn binary_tuples_are_counted_across_chunks() {
        let mut data = b"PGCOPY\n\xff\r\n\0".to_vec();
        data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        for value in [&b"abc"[..], b"", b"longer value"] {
            data.extend_from_slice(&2i16.to_be_bytes());
            data.extend_from_slice(&(value.len() as i32).to_be_bytes());
            data.extend_from_slice(value);
            data.extend_from_slice(&(-1i32).to_be_bytes());
        }
        data.extend_from_slice(&(-1i16).to_be_bytes());
        for chunk in [1, 3, 7, 1000] {
            assert_eq!(count(RowCounter::binary(), &data, chunk), 3);
        }
    }
}
