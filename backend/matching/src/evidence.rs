//! Evidence from verified usage for an explanation: how many organisations confirmed that
//! they use a matched solution, and how many of them are like the seeker ("bestätigt
//! genutzt von 3 Verwaltungen, davon 2 Kommunen in Hessen"). Claims are counted apart and
//! never as evidence.

use std::collections::BTreeMap;

use matchraum_catalog::vocab::{OrganisationKind, UsageVerification};

use super::model::{EvidenceGroup, UsageEvidence, UsageRef};

/// The seeker's organisation, when known: kind and Land.
pub type Seeker<'a> = (OrganisationKind, Option<&'a str>);

/// `None` when nobody uses or claims to use the solution.
pub fn of(used_by: &[UsageRef], seeker: Option<Seeker<'_>>) -> Option<UsageEvidence> {
    let confirmed: Vec<&UsageRef> = used_by
        .iter()
        .filter(|u| u.verification == UsageVerification::Confirmed)
        .collect();
    let claimed = used_by
        .iter()
        .filter(|u| u.verification == UsageVerification::Claimed)
        .count();
    if confirmed.is_empty() && claimed == 0 {
        return None;
    }
    let count = |kind: OrganisationKind, land: Option<&str>| {
        confirmed
            .iter()
            .filter(|u| {
                u.organisation.kind == kind
                    && (land.is_none() || u.organisation.land.as_deref() == land)
            })
            .count()
    };
    let like_seeker = seeker.and_then(|(kind, land)| {
        // Same kind in the same Land, else the same kind anywhere.
        [land, None]
            .into_iter()
            .filter(|l| land.is_some() || l.is_none())
            .map(|l| (l, count(kind, l)))
            .find(|(_, n)| *n > 0)
            .map(|(l, n)| EvidenceGroup {
                kind,
                land: l.map(str::to_owned),
                count: n,
                like_seeker: true,
            })
    });
    let group = like_seeker.or_else(|| {
        // The largest group of one kind in one Land (in a stable order on ties).
        let mut groups: BTreeMap<(&str, Option<&str>), (OrganisationKind, usize)> = BTreeMap::new();
        for u in &confirmed {
            let o = &u.organisation;
            groups
                .entry((o.kind.as_str(), o.land.as_deref()))
                .or_insert((o.kind, 0))
                .1 += 1;
        }
        groups
            .into_iter()
            .max_by(|a, b| a.1 .1.cmp(&b.1 .1).then(b.0.cmp(&a.0)))
            .map(|((_, land), (kind, n))| EvidenceGroup {
                kind,
                land: land.map(str::to_owned),
                count: n,
                like_seeker: false,
            })
    });
    Some(UsageEvidence {
        confirmed: confirmed.len(),
        claimed,
        group,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OrganisationRef;
    use matchraum_catalog::vocab::UsageStatus;

    fn u(id: i64, kind: OrganisationKind, land: &str, v: UsageVerification) -> UsageRef {
        UsageRef {
            organisation: OrganisationRef {
                id,
                name: format!("Org {id}"),
                kind,
                land: Some(land.into()),
                website: None,
            },
            status: UsageStatus::InUse,
            verification: v,
            since: None,
            experience: None,
        }
    }

    use OrganisationKind::{Kommune, Kreis, Land};
    use UsageVerification::{Claimed, Confirmed, Rejected};

    #[test]
    fn counts_confirmed_usages_and_the_seekers_peers_among_them() {
        let used = [
            u(1, Kommune, "Hessen", Confirmed),
            u(2, Kommune, "Hessen", Confirmed),
            u(3, Kreis, "Bayern", Confirmed),
            u(4, Kommune, "Hessen", Claimed),
            u(5, Kommune, "Hessen", Rejected),
        ];
        let e = of(&used, Some((Kommune, Some("Hessen")))).unwrap();
        assert_eq!((e.confirmed, e.claimed), (3, 1));
        let g = e.group.unwrap();
        assert_eq!(
            (g.kind, g.land.as_deref(), g.count, g.like_seeker),
            (Kommune, Some("Hessen"), 2, true)
        );
        // A Kommune elsewhere: same kind anywhere.
        let g = of(&used, Some((Kommune, Some("Sachsen"))))
            .unwrap()
            .group
            .unwrap();
        assert_eq!((g.land.as_deref(), g.count, g.like_seeker), (None, 2, true));
        // Nobody like the seeker: the largest group, not flagged as like the seeker.
        let g = of(&used, Some((Land, Some("Berlin"))))
            .unwrap()
            .group
            .unwrap();
        assert_eq!((g.kind, g.count, g.like_seeker), (Kommune, 2, false));
        let g = of(&used, None).unwrap().group.unwrap();
        assert_eq!(
            (g.kind, g.land.as_deref(), g.count),
            (Kommune, Some("Hessen"), 2)
        );
    }

    #[test]
    fn claims_alone_are_no_evidence() {
        let e = of(&[u(1, Kommune, "Hessen", Claimed)], None).unwrap();
        assert_eq!((e.confirmed, e.claimed), (0, 1));
        assert!(e.group.is_none());
        assert!(of(&[], None).is_none());
    }
}
