//! Tables as files: Parquet, CSV and NDJSON (each optionally gzip- or zstd-compressed) and
//! Delta tables in, Parquet out.
//!
//! A table is one file, a folder of files (Spark-style `name.parquet/` folders and
//! Hive-partitioned `key=value/` folders included), or a Delta table read through its log
//! ([`super::delta_source`]). Bytes are fetched through the object store and parsed in memory
//! by polars ([`super::decode`]), so every backend takes the same path. CSV is read with
//! every column as text: the contract validator does the typing, so it can name the row and
//! value that do not parse.

use super::{Location, Storage, StorageError, decode, delta_source, listing};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use polars::prelude::*;

/// Formats vigil reads. A data file is [`Parquet`](Self::Parquet), [`Csv`](Self::Csv) or
/// [`Ndjson`](Self::Ndjson); [`Delta`](Self::Delta) names a whole table (a folder with a
/// `_delta_log/`), whose data files are Parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Apache Parquet.
    Parquet,
    /// Delimiter-separated values (comma and a header row by default, see [`CsvOptions`]), UTF-8.
    Csv,
    /// Newline-delimited JSON objects.
    Ndjson,
    /// A Delta Lake table, read through its log.
    Delta,
    /// Rows of a PostgreSQL relation (`warehouse::postgres::source`): never a file, so never
    /// found by listing or decoded from bytes; it names where a frame came from.
    Postgres,
}

/// Name suffixes of compressed text and Parquet files, stripped before the format suffix.
const COMPRESSION_SUFFIXES: &[&str] = &[".gz", ".zst"];

impl FileFormat {
    /// Infers a data file's format from its name's extension, after an optional `.gz` or
    /// `.zst` (`tickets.csv.gz` is CSV). Never [`Delta`](Self::Delta).
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let plain = COMPRESSION_SUFFIXES
            .iter()
            .find_map(|s| lower.strip_suffix(s))
            .unwrap_or(&lower);
        if plain.ends_with(".parquet") || plain.ends_with(".pq") {
            Some(Self::Parquet)
        } else if plain.ends_with(".csv") {
            Some(Self::Csv)
        } else if plain.ends_with(".ndjson") || plain.ends_with(".jsonl") || plain.ends_with(".json") {
            Some(Self::Ndjson)
        } else {
            None
        }
    }

    /// Every format with its name in a pipeline config (`[sources.<table>] format`).
    pub const CONFIG_NAMES: [(&'static str, FileFormat); 5] = [
        ("parquet", FileFormat::Parquet),
        ("csv", FileFormat::Csv),
        ("ndjson", FileFormat::Ndjson),
        ("delta", FileFormat::Delta),
        ("postgres", FileFormat::Postgres),
    ];

    /// Parses a configured format name (any case, see [`Self::CONFIG_NAMES`]).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::CONFIG_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }

    /// Its name in a pipeline config.
    pub fn config_name(self) -> &'static str {
        Self::CONFIG_NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(n, _)| n)
    }

    /// Format name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Parquet => "Parquet",
            Self::Csv => "CSV",
            Self::Ndjson => "NDJSON",
            Self::Delta => "Delta",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// How CSV files of a table are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// The field separator (default `,`).
    pub delimiter: u8,
    /// Whether the first line names the columns (default `true`); without a header the
    /// columns are named `column_1`, `column_2`, ….
    pub has_header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            delimiter: b',',
            has_header: true,
        }
    }
}

/// Which version of a Delta table to read (default: the latest). At most one may be set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeltaPin {
    /// Exactly this table version.
    pub version: Option<i64>,
    /// The latest version committed at or before this instant.
    pub as_of: Option<DateTime<Utc>>,
}

impl DeltaPin {
    /// Whether a version or an instant is pinned.
    pub fn is_set(&self) -> bool {
        self.version.is_some() || self.as_of.is_some()
    }
}

/// How a table is read. `ReadOptions::default()` detects everything: a folder with a
/// `_delta_log/` is a Delta table at its latest version, any other file is read by its
/// extension, CSV is comma-separated with a header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The table's format when it is not to be detected. [`FileFormat::Delta`] requires a
    /// Delta log; a data-file format reads every data file of the table in that format,
    /// whatever its extension (a folder with a `_delta_log/` is then read as plain files).
    pub format: Option<FileFormat>,
    /// CSV delimiter and header.
    pub csv: CsvOptions,
    /// The version of a Delta table.
    pub delta: DeltaPin,
}

/// One data file of a table, as found by [`Storage::table_files`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFile {
    /// Where it is.
    pub location: Location,
    /// How its bytes are parsed (Parquet, CSV or NDJSON; compression follows its name).
    pub format: FileFormat,
    /// Partition values that hold for every row of the file, in table order: the `key=value`
    /// folders of a Hive-partitioned table, or a Delta file's partition values (`None` is a
    /// null). [`Storage::read_file`] adds each as a string column unless the file has a
    /// column of that name: then the file's values win.
    pub partitions: Vec<(String, Option<String>)>,
}

impl TableFile {
    /// A file without partition values.
    pub fn new(location: Location, format: FileFormat) -> Self {
        Self {
            location,
            format,
            partitions: Vec::new(),
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
    /// Its rows, in file order, with the file's partition columns.
    pub frame: DataFrame,
}

impl Storage {
    /// Finds the files of a table at `loc`: a Delta table's live files (through its log); the
    /// file `loc` itself; or every data file under the folder `loc`, sorted. Nothing below
    /// a path segment starting with `_` or `.` is a data file (Spark and Delta metadata,
    /// staging folders).
    pub fn table_files(
        &self,
        table: &str,
        loc: &Location,
        opts: &ReadOptions,
    ) -> Result<Vec<TableFile>, StorageError> {
        if opts.format == Some(FileFormat::Delta) {
            return delta_source::table_files(self, table, loc, &opts.delta);
        }
        let format = opts
            .format
            .or_else(|| loc.file_name().and_then(FileFormat::from_name));
        if let Some(format) = format
            && self.exists(loc)?
        {
            no_pin(table, loc, opts)?;
            return Ok(vec![TableFile::new(loc.clone(), format)]);
        }
        let listed = self.list(loc)?;
        if opts.format.is_none() && listing::has_delta_log(loc, &listed) {
            return delta_source::table_files(self, table, loc, &opts.delta);
        }
        no_pin(table, loc, opts)?;
        let files = listing::data_files(loc, &listed, opts.format);
        if files.is_empty() {
            let what = if format.is_some() {
                format!("input table {table}")
            } else {
                format!("input table {table} (no .parquet, .csv or .ndjson files)")
            };
            return Err(StorageError::NotFound {
                what,
                url: loc.to_string(),
            });
        }
        Ok(files)
    }

    /// Reads and parses one file of a table (decompressing `.gz` and `.zst` files), and adds
    /// its partition columns.
    pub fn read_file(
        &self,
        table: &str,
        file: &TableFile,
        opts: &ReadOptions,
    ) -> Result<FileFrame, StorageError> {
        let bytes = self.read(&file.location)?;
        let frame = decode::frame(&file.location, &bytes, file, &opts.csv).map_err(|reason| {
            StorageError::Unreadable {
                table: table.to_string(),
                url: file.location.to_string(),
                format: file.format.name(),
                reason,
            }
        })?;
        Ok(FileFrame {
            location: file.location.clone(),
            format: file.format,
            frame,
        })
    }

    /// Reads every file of a table (one file, a folder of files, a Delta table) into one
    /// frame; `what` names it in errors. Files must share their columns.
    pub fn read_table(
        &self,
        what: &str,
        loc: &Location,
        opts: &ReadOptions,
    ) -> Result<DataFrame, StorageError> {
        let mut out: Option<DataFrame> = None;
        for file in self.table_files(what, loc, opts)? {
            let part = self.read_file(what, &file, opts)?.frame;
            out = Some(match out {
                None => part,
                Some(mut acc) => {
                    // Partition columns a file also holds itself come in another order.
                    let part = part.select(acc.get_column_names_owned()).unwrap_or(part);
                    acc.vstack_mut(&part).map_err(|e| StorageError::Unreadable {
                        table: what.to_string(),
                        url: file.location.to_string(),
                        format: file.format.name(),
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

/// A Delta version or instant pinned on a table that is not a Delta table.
fn no_pin(table: &str, loc: &Location, opts: &ReadOptions) -> Result<(), StorageError> {
    if opts.delta.is_set() {
        return Err(StorageError::NotFound {
            what: format!("Delta log of input table {table} (a version or as_of is set)"),
            url: loc.to_string(),
        });
    }
    Ok(())
}

/// Encodes a frame as Parquet bytes.
pub fn encode_parquet(frame: &mut DataFrame) -> PolarsResult<Bytes> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(frame)?;
    Ok(Bytes::from(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(
            FileFormat::from_name("x/2026-01.PARQUET"),
            Some(FileFormat::Parquet)
        );
        assert_eq!(FileFormat::from_name("t.jsonl"), Some(FileFormat::Ndjson));
        assert_eq!(FileFormat::from_name("t.csv.gz"), Some(FileFormat::Csv));
        assert_eq!(FileFormat::from_name("t.ndjson.zst"), Some(FileFormat::Ndjson));
        assert_eq!(FileFormat::from_name("t.txt"), None);
        assert_eq!(FileFormat::from_name("t.gz"), None);
    }

    #[test]
    fn configured_format_names() {
        assert_eq!(FileFormat::parse(" Delta "), Some(FileFormat::Delta));
        assert_eq!(FileFormat::parse("csv"), Some(FileFormat::Csv));
        assert_eq!(FileFormat::parse("xlsx"), None);
        for (name, format) in FileFormat::CONFIG_NAMES {
            assert_eq!(
                (FileFormat::parse(name), format.config_name()),
                (Some(format), name)
            );
        }
    }
}
