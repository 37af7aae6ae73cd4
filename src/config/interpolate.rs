//! `${VAR}` references in config values, resolved from the environment.

/// Replaces every `${NAME}` in `raw` with `lookup(NAME)`; `$$` is a literal `$`.
/// Returns the name of the first variable that is not set.
pub fn interpolate(raw: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                out.push('$');
                rest = after;
                continue;
            };
            let name = &body[..end];
            out.push_str(&lookup(name).ok_or_else(|| name.to_string())?);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}
