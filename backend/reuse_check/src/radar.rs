//! The public demand radar: problems that no catalogued solution solves yet, grouped by
//! similarity, with how many organisations have them, so that providers see where to
//! build. Fed by closed reuse checks that ended in "build new" (only those their
//! organisation agreed to share) and by public needs that are still open.
//!
//! Grouping is by embedding when the caller has vectors (cosine ≥ [`SEMANTIC_THRESHOLD`]),
//! else by word overlap (Jaccard ≥ [`OVERLAP_THRESHOLD`]); single-link: an entry joins the
//! group it is close to any member of.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;

use matchraum_catalog::entity::need;
use matchraum_catalog::store::organisations;
use matchraum_catalog::vocab::{NeedStatus, Visibility};
use matchraum_core::Error;

use crate::entity::check;
use crate::model::OutcomeKind;

/// Cosine similarity from which two problems count as the same. Stricter than the 0.85 at
/// which the matcher shows a need as similar: with multilingual-e5-small, unrelated
/// administrative problems ("Hundesteuer online bezahlen" and "digitale
/// Wohnsitzanmeldung") still score 0.86–0.87, paraphrases of one problem 0.95–0.97, and
/// single-link grouping must not chain unrelated problems together.
pub const SEMANTIC_THRESHOLD: f32 = 0.92;
/// Word overlap from which two problems count as the same without embeddings.
pub const OVERLAP_THRESHOLD: f32 = 0.3;
/// Newest entries of each source that the radar considers.
pub const MAX_PER_SOURCE: u64 = 300;

matchraum_core::string_enum!(
    /// Where a radar entry comes from.
    RadarSource {
        ReuseCheck => "reuse_check",
        Need => "need",
    }
);

matchraum_core::string_enum!(
    /// How the entries were grouped.
    Grouping {
        Semantic => "semantic",
        Words => "words",
    }
);

/// One unsolved problem.
#[derive(Clone, Debug)]
pub struct Entry {
    pub source: RadarSource,
    pub id: i64,
    pub title: String,
    /// What is compared: the title and the problem text.
    pub text: String,
    pub organisation_id: i64,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RadarOrganisation {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RadarItem {
    pub source: RadarSource,
    /// The need's id (reuse checks are not public: their id is not shown).
    pub need_id: Option<i64>,
    pub title: String,
    pub at: DateTime<Utc>,
}

/// Problems that are alike, with everyone who has them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DemandGroup {
    /// The title of the group's newest entry.
    pub title: String,
    pub organisation_count: u32,
    pub organisations: Vec<RadarOrganisation>,
    /// Reuse checks that ended in "build new".
    pub build_new_count: u32,
    /// Open public needs.
    pub need_count: u32,
    pub items: Vec<RadarItem>,
    pub latest_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DemandRadar {
    pub grouping: Grouping,
    /// Most organisations first.
    pub groups: Vec<DemandGroup>,
}

/// The text of a reuse check that the radar compares (also what is embedded).
pub fn check_text(title: &str, problem: &str) -> String {
    format!("{title}. {problem}")
}

/// The shared "build new" checks and open public needs, newest first per source.
pub async fn entries(db: &impl ConnectionTrait) -> Result<Vec<Entry>, Error> {
    let checks = check::Entity::find()
        .filter(check::Column::OutcomeKind.eq(OutcomeKind::BuildNew.as_str()))
        .filter(check::Column::ClosedAt.is_not_null())
        .filter(check::Column::SharedInRadar.eq(true))
        .order_by_desc(check::Column::ClosedAt)
        .limit(MAX_PER_SOURCE)
        .all(db)
        .await?;
    let needs = need::Entity::find()
        .filter(need::Column::Visibility.eq(Visibility::Public.as_str()))
        .filter(
            need::Column::Status
                .is_in([NeedStatus::Open.as_str(), NeedStatus::InProgress.as_str()]),
        )
        .order_by_desc(need::Column::CreatedAt)
        .limit(MAX_PER_SOURCE)
        .all(db)
        .await?;
    let mut out: Vec<Entry> = checks
        .into_iter()
        .map(|c| Entry {
            source: RadarSource::ReuseCheck,
            id: c.id,
            text: check_text(&c.title, &c.problem_text),
            title: c.title,
            organisation_id: c.organisation_id,
            at: c.closed_at.unwrap_or(c.updated_at),
        })
        .collect();
    out.extend(needs.into_iter().map(|n| Entry {
        source: RadarSource::Need,
        id: n.id,
        text: format!("{}. {}", n.title, n.description),
        title: n.title,
        organisation_id: n.organisation_id,
        at: n.created_at,
    }));
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(out)
}

use matchraum_core::similarity::cosine;

fn words(s: &str) -> HashSet<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 3)
        .map(str::to_lowercase)
        .collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    a.intersection(b).count() as f32 / a.union(b).count() as f32
}

/// Groups of entry indexes (single-link, in the entries' order). `vectors`, one per entry,
/// group by meaning; without them by shared words. CPU-bound: O(n²) comparisons.
pub fn group(entries: &[Entry], vectors: Option<&[Vec<f32>]>) -> Vec<Vec<usize>> {
    let n = entries.len();
    let bag: Vec<HashSet<String>> = match vectors {
        Some(_) => Vec::new(),
        None => entries.iter().map(|e| words(&e.text)).collect(),
    };
    let alike = |i: usize, j: usize| match vectors {
        Some(v) => {
            !v[i].is_empty() && !v[j].is_empty() && cosine(&v[i], &v[j]) >= SEMANTIC_THRESHOLD
        }
        None => jaccard(&bag[i], &bag[j]) >= OVERLAP_THRESHOLD,
    };
    // Union-find over every similar pair: single-link groups independent of order.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..n {
        for j in (i + 1)..n {
            if alike(i, j) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        let g = *index.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups
}

/// The radar answer: groups with their organisations' names, most organisations first.
pub async fn radar(
    db: &impl ConnectionTrait,
    entries: &[Entry],
    groups: Vec<Vec<usize>>,
    grouping: Grouping,
) -> Result<DemandRadar, Error> {
    let org_ids: Vec<i64> = entries
        .iter()
        .map(|e| e.organisation_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<i64, String> = organisations::get_many(db, &org_ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let mut out: Vec<DemandGroup> = groups
        .into_iter()
        .map(|g| {
            let members: Vec<&Entry> = g.iter().map(|&i| &entries[i]).collect();
            let orgs: BTreeSet<i64> = members.iter().map(|e| e.organisation_id).collect();
            let count = |s: RadarSource| members.iter().filter(|e| e.source == s).count() as u32;
            DemandGroup {
                title: members[0].title.clone(),
                organisation_count: orgs.len() as u32,
                organisations: orgs
                    .iter()
                    .map(|&id| RadarOrganisation {
                        id,
                        name: names.get(&id).cloned().unwrap_or_default(),
                    })
                    .collect(),
                build_new_count: count(RadarSource::ReuseCheck),
                need_count: count(RadarSource::Need),
                items: members
                    .iter()
                    .map(|e| RadarItem {
                        source: e.source,
                        need_id: (e.source == RadarSource::Need).then_some(e.id),
                        title: e.title.clone(),
                        at: e.at,
                    })
                    .collect(),
                latest_at: members[0].at,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.organisation_count
            .cmp(&a.organisation_count)
            .then(b.items.len().cmp(&a.items.len()))
            .then(b.latest_at.cmp(&a.latest_at))
    });
    Ok(DemandRadar {
        grouping,
        groups: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, text: &str) -> Entry {
        Entry {
            source: RadarSource::ReuseCheck,
            id,
            title: text.into(),
            text: text.into(),
            organisation_id: id,
            at: Utc::now(),
        }
    }

    #[test]
    fn similar_vectors_group_and_dissimilar_stay_apart() {
        let e = [entry(1, "a"), entry(2, "b"), entry(3, "c")];
        let v = vec![vec![1.0, 0.0], vec![0.95, 0.1], vec![0.0, 1.0]];
        assert_eq!(group(&e, Some(&v)), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn grouping_is_single_link_and_independent_of_order() {
        // 0 ~ 2 and 1 ~ 2, but 0 and 1 are far apart: one group through 2.
        let e = [entry(1, "a"), entry(2, "b"), entry(3, "c")];
        let v = vec![
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![
                std::f32::consts::FRAC_1_SQRT_2,
                std::f32::consts::FRAC_1_SQRT_2,
            ],
        ];
        let g = group(&e, Some(&v));
        assert_eq!(g.len(), 3, "cos 45° is below the bar: {g:?}");
        // 40° apart, each 20° from the third.
        let v = vec![vec![1.0, 0.0], vec![0.766, 0.6428], vec![0.9397, 0.342]];
        assert_eq!(group(&e, Some(&v)), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn without_vectors_shared_words_group() {
        let e = [
            entry(
                1,
                "Digitale Wohnsitzanmeldung mit Anbindung an das Meldewesen",
            ),
            entry(2, "Wohnsitzanmeldung digital, Anbindung Meldewesen fehlt"),
            entry(3, "Hundesteuer online bezahlen"),
        ];
        assert_eq!(group(&e, None), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn an_entry_without_a_vector_stays_alone() {
        let e = [entry(1, "a"), entry(2, "b")];
        let v = vec![vec![1.0, 0.0], vec![]];
        assert_eq!(group(&e, Some(&v)).len(), 2);
    }
}
