//! Labelled and unlabelled training texts for `vigil sentiment train | eval`: user tables
//! (CSV / Parquet / NDJSON), `sentiment_labels`-shaped tables and the vendored VADER corpus.

use crate::text_frames;
use crate::{Error, Result};
use polars::prelude::*;
use vigil_store::storage::{Location, ReadOptions, Storage};
use vigil_text::data::{self, LabelSpec, LabelledText};
use vigil_text::{RatingThresholds, TextError};

/// Where labelled texts come from.
#[derive(Debug, Clone, Default)]
pub struct LabelledInputs {
    /// Labelled tables (files or folders of CSV / Parquet / NDJSON).
    pub tables: Vec<Location>,
    /// Text column of those tables.
    pub text_col: String,
    /// How their label column maps to classes.
    pub spec: Option<LabelSpec>,
    /// A folder of VADER ground-truth files (`*_GroundTruth.txt`).
    pub vader: Option<Location>,
    /// Thresholds for VADER's mean ratings.
    pub vader_thresholds: Option<RatingThresholds>,
    /// Leave out rows whose label or rating is null instead of failing.
    pub skip_missing_labels: bool,
    /// Tables in the `sentiment_labels` shape (`text`, `label` with class names).
    pub labelled: Vec<Location>,
    /// How many times each `labelled` text is used (oversampling of scarce in-domain labels).
    pub labelled_repeat: usize,
}

/// Unlabelled texts for masked-language-model pre-training: tables and their text column.
#[derive(Debug, Clone, Default)]
pub struct UnlabelledInputs {
    /// Tables (files or folders).
    pub tables: Vec<Location>,
    /// Text column.
    pub text_col: String,
}

/// Reads every non-empty text of the unlabelled tables.
pub fn load_unlabelled(storage: &Storage, inputs: &UnlabelledInputs) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for loc in &inputs.tables {
        for table_file in storage.table_files("unlabelled text", loc, &ReadOptions::default())? {
            let frame = storage
                .read_file("unlabelled text", &table_file, &ReadOptions::default())?
                .frame;
            let file = &table_file.location;
            let column = frame.column(&inputs.text_col).map_err(|_| {
                TextError::InvalidInput(format!(
                    "{file}: no column `{}` for --unlabelled-col",
                    inputs.text_col
                ))
            })?;
            let column = column.cast(&DataType::String)?;
            texts.extend(
                column
                    .str()?
                    .iter()
                    .flatten()
                    .filter(|t| !t.trim().is_empty())
                    .map(str::to_string),
            );
        }
    }
    Ok(texts)
}

/// How a file is named as a training source (model card, metrics.json): relative to the
/// working directory when it lies under it, so cards do not record a machine's absolute paths.
pub fn source_name(file: &Location) -> String {
    let full = file.to_string();
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            full.strip_prefix(&format!("{}/", cwd.display()))
                .map(str::to_string)
        })
        .unwrap_or(full)
}

/// Reads every labelled text the inputs name. Fails when there are none.
pub fn load_labelled(storage: &Storage, inputs: &LabelledInputs) -> Result<Vec<LabelledText>> {
    let mut items = Vec::new();
    if !inputs.tables.is_empty() {
        let spec = inputs
            .spec
            .as_ref()
            .ok_or_else(|| Error::Usage("labelled data needs --label-col or --rating-col".into()))?;
        for loc in &inputs.tables {
            for table_file in storage.table_files("labelled text", loc, &ReadOptions::default())? {
                let frame = storage.read_file("labelled text", &table_file, &ReadOptions::default())?;
                let file = &table_file.location;
                let before = items.len();
                let rows = frame.frame.height();
                items.extend(text_frames::from_frame(
                    &frame.frame,
                    &source_name(file),
                    &inputs.text_col,
                    spec,
                    inputs.skip_missing_labels,
                )?);
                let skipped = rows - (items.len() - before);
                if skipped > 0 {
                    tracing::info!(file = %file, skipped, "rows without a label left out (--skip-missing-labels)");
                }
            }
        }
    }
    let named = LabelSpec::Labels {
        column: "label".into(),
        map: vigil_text::LabelMap::default(),
    };
    for loc in &inputs.labelled {
        for table_file in storage.table_files("sentiment_labels", loc, &ReadOptions::default())? {
            let frame = storage.read_file("sentiment_labels", &table_file, &ReadOptions::default())?;
            let file = &table_file.location;
            items.extend(text_frames::from_frame(
                &frame.frame,
                &source_name(file),
                "text",
                &named,
                false,
            )?);
        }
    }
    if let Some(dir) = &inputs.vader {
        items.extend(load_vader(
            storage,
            dir,
            inputs.vader_thresholds.unwrap_or(RatingThresholds::VADER),
        )?);
    }
    if items.is_empty() {
        return Err(Error::Usage(
            "no labelled texts: pass --data, --labelled and/or --vader".into(),
        ));
    }
    Ok(items)
}

/// Reads the VADER ground-truth files under `dir` (source names `vader/<set>`).
pub fn load_vader(
    storage: &Storage,
    dir: &Location,
    thresholds: RatingThresholds,
) -> Result<Vec<LabelledText>> {
    let mut items = Vec::new();
    let files: Vec<Location> = storage
        .list(dir)?
        .into_iter()
        .filter(|l| l.file_name().is_some_and(|n| n.ends_with("_GroundTruth.txt")))
        .collect();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{dir}: no *_GroundTruth.txt files (the VADER corpus)"
        )));
    }
    for file in files {
        let bytes = storage.read(&file)?;
        let name = file
            .file_name()
            .unwrap_or("vader")
            .trim_end_matches("_GroundTruth.txt");
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| TextError::InvalidInput(format!("{file}: not UTF-8 at byte {}", e.valid_up_to())))?;
        items.extend(data::parse_vader(text, &format!("vader/{name}"), thresholds)?);
    }
    Ok(items)
}
