//! The text of a `COPY` statement from a task's table, columns and options. Names are quoted as
//! identifiers and option values as literals, so nothing from the flow is spliced in raw.

use super::error::JdbcError;
use super::quote::{quote_column, quote_literal, quote_table};
use crate::spec::kinds::jdbc::CopyOptions;

/// The data format of a COPY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tab-separated text (PostgreSQL's default).
    Text,
    /// Comma-separated values.
    Csv,
    /// PostgreSQL's binary COPY format.
    Binary,
}

impl Format {
    /// Reads `format` (case-insensitive, TEXT by default).
    pub fn of(options: &CopyOptions) -> Result<Self, JdbcError> {
        match options
            .format
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("TEXT") => Ok(Self::Text),
            Some("CSV") => Ok(Self::Csv),
            Some("BINARY") => Ok(Self::Binary),
            Some(other) => Err(JdbcError::Property {
                property: "format",
                reason: format!("{other:?} is not one of CSV, TEXT, BINARY"),
            }),
        }
    }

    /// File extension of an output in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Text => "tsv",
            Self::Csv => "csv",
            Self::Binary => "bin",
        }
    }
}

/// `<table> (<columns>)`, quoted.
pub fn target(table: &str, columns: &[String]) -> Result<String, JdbcError> {
    let mut sql = quote_table("table", table)?;
    if !columns.is_empty() {
        let columns = quoted_columns("columns", columns)?;
        sql.push_str(&format!(" ({columns})"));
    }
    Ok(sql)
}

/// ` WITH (...)` for the options given (empty when none).
pub fn with_options(options: &CopyOptions, format: Format) -> Result<String, JdbcError> {
    let mut parts = Vec::new();
    match format {
        Format::Text => {}
        Format::Csv => parts.push("FORMAT csv".to_owned()),
        Format::Binary => parts.push("FORMAT binary".to_owned()),
    }
    if options.oids == Some(true) {
        parts.push("OIDS true".to_owned());
    }
    if options.freeze == Some(true) {
        parts.push("FREEZE true".to_owned());
    }
    if let Some(delimiter) = &options.delimiter {
        parts.push(format!("DELIMITER {}", one_char("delimiter", delimiter)?));
    }
    if let Some(null) = &options.null {
        parts.push(format!("NULL {}", literal("null", null)?));
    }
    if let Some(header) = options.header {
        parts.push(format!("HEADER {header}"));
    }
    if let Some(quote) = &options.quote {
        parts.push(format!("QUOTE {}", one_char("quote", quote)?));
    }
    if let Some(escape) = &options.escape {
        parts.push(format!("ESCAPE {}", one_char("escape", escape)?));
    }
    if !options.force_not_null.is_empty() {
        let columns = quoted_columns("forceNotNull", &options.force_not_null)?;
        parts.push(format!("FORCE_NOT_NULL ({columns})"));
    }
    if !options.force_quote.is_empty() {
        // COPY TO only: PostgreSQL rejects it on COPY FROM with its own message.
        let columns = quoted_columns("forceQuote", &options.force_quote)?;
        parts.push(format!("FORCE_QUOTE ({columns})"));
    }
    if !options.force_null.is_empty() {
        let columns = quoted_columns("forceNull", &options.force_null)?;
        parts.push(format!("FORCE_NULL ({columns})"));
    }
    if let Some(encoding) = &options.encoding {
        parts.push(format!("ENCODING {}", literal("encoding", encoding)?));
    }
    if parts.is_empty() {
        Ok(String::new())
    } else {
        Ok(format!(" WITH ({})", parts.join(", ")))
    }
}

fn quoted_columns(property: &'static str, columns: &[String]) -> Result<String, JdbcError> {
    Ok(columns
        .iter()
        .map(|c| quote_column(property, c))
        .collect::<Result<Vec<_>, _>>()?
        .join(", "))
}

fn literal(property: &'static str, value: &str) -> Result<String, JdbcError> {
    quote_literal(value).ok_or_else(|| JdbcError::Property {
        property,
        reason: "contains a NUL character".into(),
    })
}

/// A one-character option; `\t` written as two characters (as in Kestra examples) means a tab.
fn one_char(property: &'static str, value: &str) -> Result<String, JdbcError> {
    let value = match value {
        "\\t" => "\t",
        other => other,
    };
    if value.chars().count() != 1 {
        return Err(JdbcError::Property {
            property,
            reason: format!("{value:?} must be exactly one character"),
        });
    }
    literal(property, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_quoted_and_ordered() {
        let options = CopyOptions {
            format: Some("csv".into()),
            header: Some(true),
            delimiter: Some("\\t".into()),
            null: Some("it's null".into()),
            force_null: vec!["Amount".into()],
            ..CopyOptions::default()
        };
        let format = Format::of(&options).unwrap_or(Format::Text);
        assert_eq!(
            with_options(&options, format).unwrap_or_default(),
            " WITH (FORMAT csv, DELIMITER E'\t', NULL E'it''s null', HEADER true, FORCE_NULL (\"amount\"))"
        );
    }

    #[test]
    fn bad_options_are_rejected() {
        let two = CopyOptions {
            delimiter: Some(",;".into()),
            ..CopyOptions::default()
        };
        assert!(with_options(&two, Format::Csv).is_err());
        let parquet = CopyOptions {
            format: Some("PARQUET".into()),
            ..CopyOptions::default()
        };
        assert!(Format::of(&parquet).is_err());
        assert!(target("t", &["a); drop table t; --".into()]).is_err());
    }
}
