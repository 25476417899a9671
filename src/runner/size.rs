//! Docker-style sizes (`512MB`, `1g`, `64m`, `1024`) as bytes, for memory and shm limits.

use super::error::RunnerError;

/// Parses a size in Docker's units (binary multiples, like `docker run --memory`).
pub(crate) fn parse_size(field: &'static str, value: &str) -> Result<i64, RunnerError> {
    let invalid = || RunnerError::InvalidSize {
        field,
        value: value.to_owned(),
    };
    let text = value.trim().to_ascii_lowercase();
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let multiplier: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(invalid()),
    };
    let bytes = number * multiplier;
    if !bytes.is_finite() || bytes < 1.0 || bytes > i64::MAX as f64 {
        return Err(invalid());
    }
    Ok(bytes as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_sizes_parse_to_bytes() {
        assert_eq!(parse_size("memory", "512MB").ok(), Some(512 * 1024 * 1024));
        assert_eq!(parse_size("memory", "1g").ok(), Some(1024 * 1024 * 1024));
        assert_eq!(parse_size("memory", "4096").ok(), Some(4096));
        assert!(parse_size("memory", "lots").is_err());
        assert!(parse_size("memory", "12xb").is_err());
    }
}
