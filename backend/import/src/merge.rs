//! The merge rule of repeated imports.
//!
//! An import record is merged into what is stored under the same `(source, source_id)`:
//!
//! * A field the record does not contain at all (the key is absent) never erases a stored
//!   value: the stored value is kept. This is what makes importing a `*.no_<field>.jsonl`
//!   variant after its full file a no-op, and it keeps fields the source does not know at
//!   all (e.g. `reuse_model` set by an editor through the API) across re-imports.
//! * A field the record contains, even as `null` or an empty list, is the source's current
//!   word and replaces the stored value.
//! * `extra` objects are merged key-wise: keys of the record replace stored keys of the
//!   same name, stored keys the record does not have are kept.
//!
//! Together with the store's "write only when something changed" this makes importing
//! the same files again change nothing, in any order of full files and variants.

use serde_json::Value;

use super::record::Present;
use matchraum_catalog::model::{Organisation, OrganisationInput, Solution, SolutionInput};

macro_rules! keep_absent {
    ($new:expr, $present:expr, $old:expr, $($field:ident),+ $(,)?) => {
        $(
            if !$present.contains(stringify!($field)) {
                $new.$field = $old.$field.clone();
            }
        )+
    };
}

/// Applies the merge rule to a solution input, given the stored solution.
pub fn merge_solution(new: &mut SolutionInput, present: &Present, old: &Solution) {
    keep_absent!(
        new,
        present,
        old,
        title,
        summary,
        description,
        kind,
        maturity,
        reuse_model,
        licence,
        costs_model,
        standards,
        hosting,
        ozg_ids,
        leika_keys,
        themenfeld,
        lebenslage,
        tags,
        languages,
        url,
        code_url,
        documentation_url,
        transfer_concept_url,
        provider_id,
        contacts,
        last_verified_at,
    );
    // A verification on the platform ("Angaben sind noch aktuell") is newer news than
    // the source's date: a re-import never moves `last_verified_at` back.
    if old.last_verified_at > new.last_verified_at {
        new.last_verified_at = old.last_verified_at;
    }
    new.extra = Some(merge_extra(&old.extra, new.extra.take()));
}

/// Applies the merge rule to an organisation input, given the stored organisation.
pub fn merge_organisation(new: &mut OrganisationInput, present: &Present, old: &Organisation) {
    keep_absent!(
        new,
        present,
        old,
        name,
        kind,
        land,
        region_code,
        website,
        email,
        description,
    );
    new.extra = Some(merge_extra(&old.extra, new.extra.take()));
}

/// Key-wise merge of two `extra` objects; `new` wins per key.
pub fn merge_extra(old: &Value, new: Option<Value>) -> Value {
    let mut out = match old {
        Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    if let Some(Value::Object(m)) = new {
        for (k, v) in m {
            out.insert(k, v);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extra_is_merged_key_wise_and_new_keys_win() {
        let old = json!({"a": 1, "b": 2});
        let merged = merge_extra(&old, Some(json!({"b": 3, "c": 4})));
        assert_eq!(merged, json!({"a": 1, "b": 3, "c": 4}));
        assert_eq!(merge_extra(&json!({"a": 1}), None), json!({"a": 1}));
    }
}
