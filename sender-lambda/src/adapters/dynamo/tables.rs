//! The DynamoDB table definitions, in one place.
//!
//! [`subscriptions_table`] and [`deliveries_table`] return a [`TableSpec`]: the CLI turns it into
//! `CreateTable` + `UpdateTimeToLive` calls ([`crate::adapters::dynamo::create_tables`]), and
//! `kizuna-sender tables describe` prints it as JSON whose keys are those of CloudFormation's
//! `AWS::DynamoDB::Table` properties (`TableName`, `AttributeDefinitions`, `KeySchema`,
//! `GlobalSecondaryIndexes`, `BillingMode`, `TimeToLiveSpecification`), so the infrastructure
//! template can be compared with it mechanically.

use serde::Serialize;

use crate::adapters::dynamo::keys::{
    BY_ANCHOR, BY_ANCHOR_PK, BY_ANCHOR_PROJECTION, BY_ANCHOR_SK, BY_EMAIL_HASH, BY_EMAIL_HASH_PROJECTION, BY_EXPIRY,
    EMAIL_HASH, EXPIRES_AT, EXPIRY_PK, EXPIRY_SK, PK, SK,
};

/// Default name of the subscriptions table (`KIZUNA_SUBSCRIPTIONS_TABLE`).
pub const DEFAULT_SUBSCRIPTIONS_TABLE: &str = "kizuna-subscriptions";
/// Default name of the deliveries table (`KIZUNA_DELIVERIES_TABLE`).
pub const DEFAULT_DELIVERIES_TABLE: &str = "kizuna-deliveries";
/// Default name of the survey answers table (`KIZUNA_SURVEY_ANSWERS_TABLE`).
pub const DEFAULT_SURVEY_ANSWERS_TABLE: &str = "kizuna-survey-answers";

/// One table, in the shape of CloudFormation's `AWS::DynamoDB::Table` properties.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableSpec {
    /// The table name.
    pub table_name: String,
    /// Every key attribute (of the table and its indexes); all strings.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// Partition key, then the optional sort key.
    pub key_schema: Vec<KeyElement>,
    /// Global secondary indexes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub global_secondary_indexes: Vec<IndexSpec>,
    /// Always `PAY_PER_REQUEST`.
    pub billing_mode: String,
    /// The TTL attribute, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_live_specification: Option<TimeToLive>,
}

/// A key attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    /// Attribute name.
    pub attribute_name: String,
    /// `S` (every Kizuna key is a string).
    pub attribute_type: String,
}

/// One element of a key schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    /// Attribute name.
    pub attribute_name: String,
    /// `HASH` or `RANGE`.
    pub key_type: String,
}

/// A global secondary index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexSpec {
    /// Index name.
    pub index_name: String,
    /// Partition key, then the optional sort key.
    pub key_schema: Vec<KeyElement>,
    /// What the index carries besides the keys.
    pub projection: Projection,
}

/// The projection of an index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    /// `INCLUDE`, `KEYS_ONLY` or `ALL`.
    pub projection_type: String,
    /// The attributes for `INCLUDE`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_key_attributes: Vec<String>,
}

/// The TTL setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLive {
    /// Epoch-seconds attribute.
    pub attribute_name: String,
    /// Always true.
    pub enabled: bool,
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition { attribute_name: name.to_owned(), attribute_type: "S".to_owned() }
}

fn key(hash: &str, range: Option<&str>) -> Vec<KeyElement> {
    let mut schema = vec![KeyElement { attribute_name: hash.to_owned(), key_type: "HASH".to_owned() }];
    if let Some(range) = range {
        schema.push(KeyElement { attribute_name: range.to_owned(), key_type: "RANGE".to_owned() });
    }
    schema
}

fn include(attributes: &[&str]) -> Projection {
    Projection {
        projection_type: "INCLUDE".to_owned(),
        non_key_attributes: attributes.iter().map(|a| (*a).to_owned()).collect(),
    }
}

/// The subscriptions table: subscriptions, uniqueness items, the sparse `by_anchor` index, the
/// e-mail-hash index and the sparse `by_expiry` housekeeping index (keys only).
pub fn subscriptions_table(name: &str) -> TableSpec {
    TableSpec {
        table_name: name.to_owned(),
        attribute_definitions: vec![
            attribute(PK),
            attribute(BY_ANCHOR_PK),
            attribute(BY_ANCHOR_SK),
            attribute(EMAIL_HASH),
            attribute(EXPIRY_PK),
            attribute(EXPIRY_SK),
        ],
        key_schema: key(PK, None),
        global_secondary_indexes: vec![
            IndexSpec {
                index_name: BY_ANCHOR.to_owned(),
                key_schema: key(BY_ANCHOR_PK, Some(BY_ANCHOR_SK)),
                projection: include(&BY_ANCHOR_PROJECTION),
            },
            IndexSpec {
                index_name: BY_EMAIL_HASH.to_owned(),
                key_schema: key(EMAIL_HASH, None),
                projection: include(&BY_EMAIL_HASH_PROJECTION),
            },
            IndexSpec {
                index_name: BY_EXPIRY.to_owned(),
                key_schema: key(EXPIRY_PK, Some(EXPIRY_SK)),
                projection: Projection { projection_type: "KEYS_ONLY".to_owned(), non_key_attributes: Vec::new() },
            },
        ],
        billing_mode: "PAY_PER_REQUEST".to_owned(),
        time_to_live_specification: None,
    }
}

/// The deliveries table: one record per subscription per entry, with a TTL.
pub fn deliveries_table(name: &str) -> TableSpec {
    TableSpec {
        table_name: name.to_owned(),
        attribute_definitions: vec![attribute(PK), attribute(SK)],
        key_schema: key(PK, Some(SK)),
        global_secondary_indexes: Vec::new(),
        billing_mode: "PAY_PER_REQUEST".to_owned(),
        time_to_live_specification: Some(TimeToLive { attribute_name: EXPIRES_AT.to_owned(), enabled: true }),
    }
}

/// The reader survey answers table (`crate::adapters::dynamo::survey_answers`): answer sheets under
/// a keyed ballot and invitation counts, one partition per municipality and survey; no TTL (the
/// answers are the year's figures) and no index.
pub fn survey_answers_table(name: &str) -> TableSpec {
    TableSpec {
        table_name: name.to_owned(),
        attribute_definitions: vec![attribute(PK), attribute(SK)],
        key_schema: key(PK, Some(SK)),
        global_secondary_indexes: Vec::new(),
        billing_mode: "PAY_PER_REQUEST".to_owned(),
        time_to_live_specification: None,
    }
}

/// Both tables, as `tables describe` prints them: `{"Subscriptions": …, "Deliveries": …}`.
pub fn describe(subscriptions: &str, deliveries: &str) -> serde_json::Value {
    serde_json::json!({
        "Subscriptions": subscriptions_table(subscriptions),
        "Deliveries": deliveries_table(deliveries),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_table_has_the_sparse_anchor_index_and_its_projection() {
        let json = serde_json::to_value(subscriptions_table("subs")).expect("serializes");
        assert_eq!(json["TableName"], "subs");
        assert_eq!(json["KeySchema"], serde_json::json!([{ "AttributeName": "pk", "KeyType": "HASH" }]));
        let by_anchor = &json["GlobalSecondaryIndexes"][0];
        assert_eq!(by_anchor["IndexName"], "by_anchor");
        assert_eq!(by_anchor["KeySchema"][1]["AttributeName"], "by_anchor_sk");
        assert_eq!(
            by_anchor["Projection"]["NonKeyAttributes"],
            serde_json::json!([
                "email",
                "nickname",
                "status",
                "anchor_version",
                "channel",
                "line_channel_id",
                "line_user_id"
            ])
        );
        assert_eq!(json["GlobalSecondaryIndexes"][1]["IndexName"], "by_email_hash");
        assert!(json.get("TimeToLiveSpecification").is_none());
    }

    #[test]
    fn deliveries_table_is_keyed_by_entry_and_expires() {
        let json = serde_json::to_value(deliveries_table("dels")).expect("serializes");
        assert_eq!(json["KeySchema"][1], serde_json::json!({ "AttributeName": "sk", "KeyType": "RANGE" }));
        assert_eq!(
            json["TimeToLiveSpecification"],
            serde_json::json!({ "AttributeName": "expires_at", "Enabled": true })
        );
        assert!(json.get("GlobalSecondaryIndexes").is_none());
    }

    #[test]
    fn every_key_attribute_is_defined() {
        for table in [subscriptions_table("a"), deliveries_table("b")] {
            let defined: Vec<&str> = table.attribute_definitions.iter().map(|a| a.attribute_name.as_str()).collect();
            let used = table
                .key_schema
                .iter()
                .chain(table.global_secondary_indexes.iter().flat_map(|i| &i.key_schema))
                .map(|k| k.attribute_name.as_str());
            for name in used {
                assert!(defined.contains(&name), "{name} is not defined in {}", table.table_name);
            }
        }
    }
}
