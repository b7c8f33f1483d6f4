//! `ddbguard model`: the resolved model as JSON, what the rules see.

use crate::load::Loaded;

/// The resolved model as JSON, with file paths instead of file ids.
pub fn render(loaded: &Loaded) -> String {
    let scopes: Vec<serde_json::Value> = loaded
        .scopes
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or(serde_json::Value::Null);
            if let Some(resources) = v.get_mut("resources").and_then(|r| r.as_array_mut()) {
                for (json, res) in resources.iter_mut().zip(&s.resources) {
                    if let Some(obj) = json.as_object_mut() {
                        obj.insert(
                            "path".into(),
                            loaded.sources.get(res.file).display_path().into(),
                        );
                    }
                }
            }
            v
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&serde_json::json!({
        "version": 1,
        "spans": "byte offsets [start, end) into the resource's file",
        "scopes": scopes,
    }))
    .unwrap_or_default();
    out.push('\n');
    out
}
