//! Tables as files: Parquet, CSV and NDJSON in, Parquet out, chosen by extension.
//!
//! Bytes are fetched through the object store and parsed in memory by polars, so every
//! backend takes the same path. CSV is read with every column as text: the contract
//! validator does the typing, so it can name the row and value that do not parse.

use super::{Location, Storage, StorageError};
use bytes::Bytes;
use polars::prelude::*;
use std::io::Cursor;

/// File formats vigil reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Apache Parquet.
    Parquet,
    /// Comma-separated values with a header row, UTF-8.
    Csv,
    /// Newline-delimited JSON objects.
    Ndjson,
}

impl FileFormat {
    /// A listed file with the format its name says (`None` for any other file).
    pub fn of(l: &Location) -> Option<(Location, Self)> {
        l.file_name().and_then(Self::from_name).map(|f| (l.clone(), f))
    }

    /// Infers the format from a file name's extension.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            Some(Self::Parquet)
        } else if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else if lower.ends_with(".ndjson") || lower.ends_with(".jsonl") || lower.ends_with(".json") {
            Some(Self::Ndjson)
        } else {
            None
        }
    }

    /// Format name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Parquet => "Parquet",
            Self::Csv => "CSV",
            Self::Ndjson => "NDJSON",
        }
    }
}

/// One input file parsed into a frame.
#[derive(Debug)]
pub struct FileFrame {
    /// Where it came from.
    pub location: Location,
    /// Its format.
    pub format: FileFormat,
    /// Its rows, in file order.
    pub frame: DataFrame,
}

impl Storage {
    /// Finds the files of a table: `loc` itself if it is a file with a known extension,
    /// otherwise every supported file under it (sorted; names starting with `_` or `.`
    /// are skipped, as Spark and Delta writers use them for metadata).
    pub fn table_files(
        &self,
        table: &str,
        loc: &Location,
    ) -> Result<Vec<(Location, FileFormat)>, StorageError> {
        if let Some(format) = loc.file_name().and_then(FileFormat::from_name) {
            if self.exists(loc)? {
                return Ok(vec![(loc.clone(), format)]);
            }
            return Err(StorageError::NotFound {
                what: format!("input table {table}"),
                url: loc.to_string(),
            });
        }
        let files: Vec<_> = self
            .list(loc)?
            .into_iter()
            .filter(|l| {
                !l.file_name()
                    .is_some_and(|n| n.starts_with('_') || n.starts_with('.'))
            })
            .filter_map(|l| FileFormat::of(&l))
            .collect();
        if files.is_empty() {
            return Err(StorageError::NotFound {
                what: format!("input table {table} (no .parquet, .csv or .ndjson files)"),
                url: loc.to_string(),
            });
        }
        Ok(files)
    }

    /// Reads and parses one file of a table.
    pub fn read_file(
        &self,
        table: &str,
        loc: &Location,
        format: FileFormat,
    ) -> Result<FileFrame, StorageError> {
        let bytes = self.read(loc)?;
        let frame = parse(&bytes, format).map_err(|reason| StorageError::Unreadable {
            table: table.to_string(),
            url: loc.to_string(),
            format: format.name(),
            reason,
        })?;
        Ok(FileFrame {
            location: loc.clone(),
            format,
            frame,
        })
    }

    /// Reads every file of a table (one file, or a folder of files) into one frame; `what`
    /// names it in errors. Files must share their columns.
    pub fn read_table(&self, what: &str, loc: &Location) -> Result<DataFrame, StorageError> {
        let mut out: Option<DataFrame> = None;
        for (file, format) in self.table_files(what, loc)? {
            let part = self.read_file(what, &file, format)?.frame;
            out = Some(match out {
                None => part,
                Some(mut acc) => {
                    acc.vstack_mut(&part).map_err(|e| StorageError::Unreadable {
                        table: what.to_string(),
                        url: file.to_string(),
                        format: format.name(),
                        reason: format!("its columns differ from the table's first file: {e}"),
                    })?;
                    acc
                }
            });
        }
        out.ok_or_else(|| StorageError::NotFound {
            what: what.to_string(),
            url: loc.to_string(),
        })
    }

    /// Writes a frame as one Parquet file (zstd), replacing any object at `loc`.
    pub fn write_parquet(&self, loc: &Location, frame: &mut DataFrame) -> Result<(), StorageError> {
        let bytes = encode_parquet(frame).map_err(|e| StorageError::Encode {
            url: loc.to_string(),
            reason: e.to_string(),
        })?;
        self.write(loc, bytes)
    }
}

/// Encodes a frame as Parquet bytes.
pub fn encode_parquet(frame: &mut DataFrame) -> PolarsResult<Bytes> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(frame)?;
    Ok(Bytes::from(buf))
}

fn parse(bytes: &Bytes, format: FileFormat) -> Result<DataFrame, String> {
    if bytes.is_empty() {
        return Err("the file is empty (0 bytes); expected at least a header or a schema".into());
    }
    match format {
        FileFormat::Parquet => ParquetReader::new(Cursor::new(bytes.as_ref()))
            .finish()
            .map_err(|e| format!("not a valid Parquet file (truncated or corrupt?): {e}")),
        FileFormat::Csv => {
            check_utf8(bytes, Some(b','))?;
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .into_reader_with_file_handle(Cursor::new(bytes.as_ref()))
                .finish()
                .map_err(|e| format!("malformed CSV: {e}"))
        }
        FileFormat::Ndjson => {
            check_utf8(bytes, None)?;
            JsonReader::new(Cursor::new(bytes.as_ref()))
                .with_json_format(JsonFormat::JsonLines)
                .finish()
                .map_err(|e| format!("malformed NDJSON: {e}"))
        }
    }
}

/// Rejects non-UTF-8 text files, naming the line (1-based, header = line 1) and, for CSV,
/// the column the first bad byte falls in.
fn check_utf8(bytes: &[u8], separator: Option<u8>) -> Result<(), String> {
    let Err(e) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    let valid = &bytes[..e.valid_up_to()];
    let line_no = valid.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let bad_byte = bytes[e.valid_up_to()];
    let mut msg = format!("not valid UTF-8: byte 0x{bad_byte:02x} at line {line_no}");
    if let Some(sep) = separator {
        let field = count_fields(&valid[line_start..], sep);
        let header_end = bytes.iter().position(|b| *b == b'\n').unwrap_or(bytes.len());
        let header = String::from_utf8_lossy(&bytes[..header_end]);
        let name = header
            .split(sep as char)
            .nth(field)
            .map(|s| s.trim().trim_matches('"').to_string());
        msg.push_str(&format!(
            ", column {}",
            name.unwrap_or_else(|| format!("#{}", field + 1))
        ));
        if line_no > 1 {
            msg.push_str(&format!(" (data row {})", line_no - 1));
        }
    }
    msg.push_str("; re-export the file as UTF-8");
    Err(msg)
}

/// Number of separators outside quotes in a partial CSV line = index of the current field.
fn count_fields(line: &[u8], sep: u8) -> usize {
    let mut in_quotes = false;
    let mut n = 0;
    for b in line {
        if *b == b'"' {
            in_quotes = !in_quotes;
        } else if *b == sep && !in_quotes {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn non_utf8_csv_names_line_and_column() {
        let data = b"account_id,name,segment\na1,Acme,smb\na2,Caf\xe9,smb\n";
        let err = check_utf8(data, Some(b',')).unwrap_err();
        assert!(
            err.contains("line 3") && err.contains("column name") && err.contains("data row 2"),
            "{err}"
        );
    }

    #[test]
    fn format_from_extension() {
        assert_eq!(
            FileFormat::from_name("x/2026-01.PARQUET"),
            Some(FileFormat::Parquet)
        );
        assert_eq!(FileFormat::from_name("t.jsonl"), Some(FileFormat::Ndjson));
        assert_eq!(FileFormat::from_name("t.txt"), None);
    }
}
