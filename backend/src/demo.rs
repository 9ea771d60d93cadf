//! A small invented demo catalogue, seeded into an empty database so that `make run`
//! shows something on a machine without any catalogue data.

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};
use serde::Deserialize;

use crate::catalog::entity::solution;
use crate::catalog::model::{NeedInput, OrganisationInput, SolutionInput, UsageInput};
use crate::catalog::store::{needs, organisations, solutions, usages};
use crate::catalog::CatalogError;

const DEMO: &str = include_str!("../demo/catalog.json");

#[derive(Deserialize)]
struct Demo {
    organisations: Vec<Keyed<OrganisationInput>>,
    solutions: Vec<DemoSolution>,
    usages: Vec<DemoUsage>,
    needs: Vec<DemoNeed>,
}

#[derive(Deserialize)]
struct Keyed<T> {
    key: String,
    #[serde(flatten)]
    value: T,
}

#[derive(Deserialize)]
struct DemoSolution {
    key: String,
    provider: String,
    #[serde(flatten)]
    value: serde_json::Value,
}

#[derive(Deserialize)]
struct DemoUsage {
    solution: String,
    organisation: String,
    #[serde(flatten)]
    value: serde_json::Value,
}

#[derive(Deserialize)]
struct DemoNeed {
    organisation: String,
    title: String,
    description: String,
}

/// Seeds the demo catalogue in one transaction when no solution exists yet.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<bool, CatalogError> {
    if solution::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let demo: Demo = serde_json::from_str(DEMO).expect("embedded demo catalogue is valid");
    let tx = db.begin().await?;
    let mut orgs = HashMap::new();
    for o in demo.organisations {
        orgs.insert(o.key, organisations::create(&tx, o.value).await?.id);
    }
    let mut sols = HashMap::new();
    for s in demo.solutions {
        let mut v = s.value;
        v["provider_id"] = orgs[&s.provider].into();
        let input: SolutionInput = serde_json::from_value(v).expect("demo solution is valid");
        sols.insert(s.key, solutions::create(&tx, input).await?.id);
    }
    for u in demo.usages {
        let mut v = u.value;
        v["solution_id"] = sols[&u.solution].into();
        v["organisation_id"] = orgs[&u.organisation].into();
        let input: UsageInput = serde_json::from_value(v).expect("demo usage is valid");
        // Invented claims "from a source": the demo shows them unconfirmed.
        usages::create(&tx, input, usages::Claimant::IMPORT).await?;
    }
    for n in demo.needs {
        let input = NeedInput {
            organisation_id: orgs[&n.organisation],
            title: n.title,
            description: n.description,
            status: crate::catalog::vocab::NeedStatus::Open,
            visibility: crate::catalog::vocab::Visibility::Public,
        };
        needs::create(&tx, input).await?;
    }
    tx.commit().await?;
    tracing::info!("seeded the demo catalogue");
    Ok(true)
}
