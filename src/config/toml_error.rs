//! TOML errors without values: a parse error names the line, column and key, never the
//! text of the line or the value found there.
//!
//! toml's own `Display` quotes the whole source line under the message, and serde's
//! messages echo the value (`invalid type: string "…", expected a boolean`). Either can be
//! a storage secret written into `[storage.options]`, and the message reaches stderr and the
//! JSON run summary (Airflow XCom). So vigil rebuilds the message from the error's span.

/// The message for a TOML error in `text`: `line L, column C, key `a.b`: <message>`, with the
/// source line left out and values in the message replaced by `[redacted]`.
pub(super) fn describe(err: &toml::de::Error, text: &str) -> String {
    let message = redact_message(err.message());
    let Some(span) = err.span() else {
        return message;
    };
    let (line, column) = position(text, span.start);
    match key_at(text, line) {
        Some(key) => format!("line {}, column {}, key `{key}`: {message}", line + 1, column + 1),
        None => format!("line {}, column {}: {message}", line + 1, column + 1),
    }
}

/// Zero-based line and column (in characters) of byte `offset`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count());
    (line, column)
}

/// The dotted key defined on zero-based `line`: the last `[table]` header above it joined
/// with the key left of `=` (or the header itself when the line is one).
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let here = lines.get(line)?.trim();
    let header = |l: &str| {
        let l = l.trim();
        l.starts_with('[').then(|| {
            l.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
    };
    if let Some(h) = header(here) {
        return (!h.is_empty()).then_some(h);
    }
    let table = lines[..line].iter().rev().find_map(|l| header(l));
    let key = here.split('=').next().map(str::trim).filter(|k| {
        here.contains('=')
            && !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\''))
    });
    match (table, key) {
        (Some(t), Some(k)) if !t.is_empty() => Some(format!("{t}.{k}")),
        (_, Some(k)) => Some(k.to_string()),
        (Some(t), None) if !t.is_empty() => Some(t),
        _ => None,
    }
}

/// Removes values from a serde/toml message: the part after `invalid type:` / `invalid
/// value:` keeps only the kind of value (`string`, `integer`, …), and any other quoted text
/// except key and variant names in backticks (`unknown field `x``) becomes `[redacted]`.
fn redact_message(message: &str) -> String {
    let mut out = String::new();
    for (i, line) in message.trim_end().lines().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        out.push_str(&redact_line(line));
    }
    out
}

fn redact_line(line: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = line.strip_prefix(prefix) {
            let (found, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
            let kind: String = found
                .split(['"', '`', '\''])
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            let tail = if expected.is_empty() {
                String::new()
            } else {
                format!(", expected{}", redact_quotes(expected, '"'))
            };
            return format!("{prefix}{kind} [redacted]{tail}");
        }
    }
    redact_quotes(line, '"')
}

/// Replaces the text between each pair of `quote` characters with `[redacted]`; a quote
/// character named by the grammar (`` `"` `` in "expected `\"`") is kept.
fn redact_quotes(s: &str, quote: char) -> String {
    let literal = format!("`{quote}`");
    let mut out = String::with_capacity(s.len());
    let mut inside = false;
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if !inside && rest.starts_with(&literal) {
            out.push_str(&literal);
            rest = &rest[literal.len()..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c == quote {
            if !inside {
                out.push_str("\"[redacted]\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(text: &str) -> String {
        toml::from_str::<toml::Table>(text)
            .err()
            .map(|e| describe(&e, text))
            .unwrap_or_default()
    }

    #[test]
    fn syntax_error_names_line_and_key_not_the_value() {
        let text = "[warehouse]\nurl = \"x\"\n[storage.options]\naws_secret_access_key = \"sekret-123\n";
        let msg = err_of(text);
        assert!(
            msg.contains("line 4") && msg.contains("storage.options.aws_secret_access_key"),
            "{msg}"
        );
        assert!(!msg.contains("sekret-123"), "{msg}");
    }

    #[test]
    fn type_errors_keep_the_kind_and_drop_the_value() {
        assert_eq!(
            redact_line("invalid type: string \"sekret\", expected a boolean"),
            "invalid type: string [redacted], expected a boolean"
        );
        assert_eq!(
            redact_line("invalid type: integer `424242`, expected a string"),
            "invalid type: integer [redacted], expected a string"
        );
        assert_eq!(
            redact_line("unknown field `lookback`, expected `lookback_months`"),
            "unknown field `lookback`, expected `lookback_months`"
        );
        assert_eq!(redact_line("bad \"sekret\" here"), "bad \"[redacted]\" here");
        assert_eq!(
            redact_line("invalid basic string, expected `\"`"),
            "invalid basic string, expected `\"`"
        );
    }

    #[test]
    fn position_counts_characters() {
        assert_eq!(position("ab\ncé=x", 6), (1, 2));
        assert_eq!(position("", 10), (0, 0));
    }
}
