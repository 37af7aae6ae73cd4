//! Parsing one file's bytes into a frame: decompression by name (`.gz`, `.zst`), the format's
//! reader, partition columns, and messages that name the line (and, for CSV, the column) of
//! the first problem.

use super::{CsvOptions, FileFormat, Location, TableFile};
use bytes::Bytes;
use polars::prelude::*;
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// The file's rows with its partition columns (a column the file has itself keeps the
/// file's values).
pub(super) fn frame(
    loc: &Location,
    bytes: &Bytes,
    file: &TableFile,
    csv: &CsvOptions,
) -> Result<DataFrame, String> {
    let plain = decompress(loc, bytes)?;
    let mut frame = parse(&plain, file.format, csv)?;
    let height = frame.height();
    for (name, value) in &file.partitions {
        if frame.column(name).is_ok() {
            continue;
        }
        let column = match value {
            Some(v) => Column::new(name.into(), vec![v.as_str(); height]),
            None => Column::full_null(name.into(), height, &DataType::String),
        };
        frame
            .with_column(column)
            .map_err(|e| format!("cannot add the partition column {name}: {e}"))?;
    }
    Ok(frame)
}

/// The file's bytes, decompressed when its name ends in `.gz` (gzip) or `.zst` (zstd).
fn decompress<'a>(loc: &Location, bytes: &'a Bytes) -> Result<Cow<'a, [u8]>, String> {
    let name = loc.file_name().unwrap_or_default().to_ascii_lowercase();
    let mut out = Vec::new();
    if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(bytes.as_ref())
            .read_to_end(&mut out)
            .map_err(|e| format!("not a valid gzip file (truncated or corrupt?): {e}"))?;
    } else if name.ends_with(".zst") {
        zstd::stream::read::Decoder::new(bytes.as_ref())
            .and_then(|mut d| d.read_to_end(&mut out))
            .map_err(|e| format!("not a valid zstd file (truncated or corrupt?): {e}"))?;
    } else {
        return Ok(Cow::Borrowed(bytes.as_ref()));
    }
    Ok(Cow::Owned(out))
}

fn parse(bytes: &[u8], format: FileFormat, csv: &CsvOptions) -> Result<DataFrame, String> {
    if bytes.is_empty() {
        return Err("the file is empty (0 bytes); expected at least a header or a schema".into());
    }
    match format {
        // A Delta table's data files are Parquet.
        FileFormat::Parquet | FileFormat::Delta => ParquetReader::new(Cursor::new(bytes))
            .finish()
            .map_err(|e| format!("not a valid Parquet file (truncated or corrupt?): {e}")),
        FileFormat::Csv => {
            check_utf8(bytes, Some(csv))?;
            CsvReadOptions::default()
                .with_has_header(csv.has_header)
                .with_infer_schema_length(Some(0))
                .map_parse_options(|o| o.with_separator(csv.delimiter))
                .into_reader_with_file_handle(Cursor::new(bytes))
                .finish()
                .map_err(|e| format!("malformed CSV: {e}"))
        }
        FileFormat::Ndjson => {
            check_utf8(bytes, None)?;
            JsonReader::new(Cursor::new(bytes))
                .with_json_format(JsonFormat::JsonLines)
                .finish()
                .map_err(|e| ndjson_error(bytes, &e))
        }
        FileFormat::Postgres => {
            Err("a PostgreSQL relation is read with the PostgreSQL reader, not from bytes".into())
        }
    }
}

/// An NDJSON reader error with the first line (1-based) that is not a JSON object, where
/// one is found.
fn ndjson_error(bytes: &[u8], e: &PolarsError) -> String {
    let text = String::from_utf8_lossy(bytes);
    let bad = text.lines().enumerate().find_map(|(i, line)| {
        if line.trim().is_empty() {
            return None;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) if v.is_object() => None,
            Ok(_) => Some((i + 1, "not a JSON object".to_string())),
            Err(err) => Some((i + 1, format!("{err}"))),
        }
    });
    match bad {
        Some((line, why)) => format!("malformed NDJSON at line {line}: {why}"),
        None => format!("malformed NDJSON: {e}"),
    }
}

/// Rejects non-UTF-8 text files, naming the line (1-based, a header = line 1) and, for CSV,
/// the column the first bad byte falls in.
fn check_utf8(bytes: &[u8], csv: Option<&CsvOptions>) -> Result<(), String> {
    let Err(e) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    let valid = &bytes[..e.valid_up_to()];
    let line_no = valid.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
    let bad_byte = bytes[e.valid_up_to()];
    let mut msg = format!("not valid UTF-8: byte 0x{bad_byte:02x} at line {line_no}");
    if let Some(csv) = csv {
        let field = count_fields(&valid[line_start..], csv.delimiter);
        msg.push_str(&format!(", column {}", csv_column_name(bytes, csv, field)));
        let data_row = if csv.has_header { line_no - 1 } else { line_no };
        if data_row > 0 {
            msg.push_str(&format!(" (data row {data_row})"));
        }
    }
    msg.push_str("; re-export the file as UTF-8");
    Err(msg)
}

/// The name of field `field` (0-based): from the header row, or `column_<n>` without one.
fn csv_column_name(bytes: &[u8], csv: &CsvOptions, field: usize) -> String {
    let positional = format!("column_{}", field + 1);
    if !csv.has_header {
        return positional;
    }
    let header_end = bytes.iter().position(|b| *b == b'\n').unwrap_or(bytes.len());
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    header
        .split(csv.delimiter as char)
        .nth(field)
        .map_or(positional, |s| s.trim().trim_matches('"').to_string())
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
mod tests {
    use super::*;
    use std::io::Write;

    fn file(name: &str, format: FileFormat) -> TableFile {
        TableFile::new(
            Location::parse(&format!("memory://d/{name}")).expect("location"),
            format,
        )
    }

    fn read(name: &str, format: FileFormat, bytes: &[u8], csv: &CsvOptions) -> Result<DataFrame, String> {
        let f = file(name, format);
        frame(&f.location, &Bytes::copy_from_slice(bytes), &f, csv)
    }

    #[test]
    fn non_utf8_csv_names_line_and_column() {
        let data = b"account_id,name,segment\na1,Acme,smb\na2,Caf\xe9,smb\n";
        let err = check_utf8(data, Some(&CsvOptions::default())).unwrap_err();
        assert!(
            err.contains("line 3") && err.contains("column name") && err.contains("data row 2"),
            "{err}"
        );
        let headless = CsvOptions {
            delimiter: b';',
            has_header: false,
        };
        let err = check_utf8(b"a1;Acme\na2;Caf\xe9\n", Some(&headless)).unwrap_err();
        assert!(err.contains("column column_2 (data row 2)"), "{err}");
    }

    #[test]
    fn gzip_and_zstd_text_files_are_read() -> Result<(), Box<dyn std::error::Error>> {
        let text = b"account_id,arr\na1,1.5\na2,2\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(text)?;
        let gz = gz.finish()?;
        let zst = zstd::stream::encode_all(&text[..], 3)?;
        let csv = CsvOptions::default();
        for (name, bytes) in [("a.csv.gz", gz), ("a.csv.zst", zst)] {
            let df = read(name, FileFormat::Csv, &bytes, &csv)?;
            assert_eq!(df.shape(), (2, 2), "{name}");
            assert_eq!(df.column("arr")?.str()?.get(1), Some("2"));
        }
        let err = read("b.ndjson.gz", FileFormat::Ndjson, b"{\"a\":1}\n", &csv).unwrap_err();
        assert!(err.contains("gzip"), "{err}");
        Ok(())
    }

    #[test]
    fn csv_delimiter_and_headerless_files() -> Result<(), Box<dyn std::error::Error>> {
        let csv = CsvOptions {
            delimiter: b';',
            has_header: false,
        };
        let df = read("a.csv", FileFormat::Csv, b"a1;1,5\na2;2\n", &csv)?;
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["column_1", "column_2"]);
        assert_eq!(df.column("column_2")?.str()?.get(0), Some("1,5"));
        Ok(())
    }

    #[test]
    fn ndjson_errors_name_the_line() {
        let data = b"{\"a\": 1}\n\n{\"a\": 2}\n{\"a\": 3,,}\n";
        let err = read("t.ndjson", FileFormat::Ndjson, data, &CsvOptions::default()).unwrap_err();
        assert!(err.contains("line 4"), "{err}");
    }

    #[test]
    fn partition_columns_are_added_unless_the_file_has_them() -> Result<(), Box<dyn std::error::Error>> {
        let mut f = file("p.csv", FileFormat::Csv);
        f.partitions = vec![
            ("year".into(), Some("2026".into())),
            ("region".into(), Some("folder".into())),
            ("month".into(), None),
        ];
        let df = frame(
            &f.location,
            &Bytes::from_static(b"id,region\nx,file\ny,file\n"),
            &f,
            &CsvOptions::default(),
        )?;
        assert_eq!(df.column("year")?.str()?.get(1), Some("2026"));
        assert_eq!(df.column("region")?.str()?.get(0), Some("file"));
        assert_eq!(df.column("month")?.null_count(), 2);
        Ok(())
    }
}
