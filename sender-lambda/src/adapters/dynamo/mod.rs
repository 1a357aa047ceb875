//! The DynamoDB adapters: table creation from [`tables`], the `by_anchor` recipient source,
//! the delivery store, the one subscription store and its item builder, and the run markers.
//!
//! Reads of recipients are Queries on the sparse `by_anchor` index, one per merged anchor range,
//! paged; nothing here ever Scans.

pub(crate) mod attributes;
pub mod counters;
pub mod deliveries;
pub mod keys;
pub mod line_state;
pub mod line_subscriptions;
pub mod recipients;
pub mod run_markers;
pub mod subscription_items;
pub mod subscriptions;
pub mod survey_answers;
pub mod tables;

pub use deliveries::{DynamoDeliveries, STALE_SENDING_AFTER};
pub use recipients::DynamoRecipients;
pub use subscription_items::{subscription_items, NewSubscription};
pub use subscriptions::{PutOutcome, SubscriptionStore};

use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;

use crate::adapters::dynamo::attributes::sdk_error;
use crate::adapters::dynamo::tables::TableSpec;
use crate::BoxError;

/// Creates a table from its spec (and its TTL); `Ok(false)` when it already exists.
pub async fn create_table(client: &Client, spec: &TableSpec) -> Result<bool, BoxError> {
    let mut request =
        client.create_table().table_name(&spec.table_name).billing_mode(BillingMode::from(spec.billing_mode.as_str()));
    for attribute in &spec.attribute_definitions {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&attribute.attribute_name)
                .attribute_type(ScalarAttributeType::from(attribute.attribute_type.as_str()))
                .build()?,
        );
    }
    let key_schema =
        |elements: &[crate::adapters::dynamo::tables::KeyElement]| -> Result<Vec<KeySchemaElement>, BoxError> {
            elements
                .iter()
                .map(|k| {
                    Ok(KeySchemaElement::builder()
                        .attribute_name(&k.attribute_name)
                        .key_type(KeyType::from(k.key_type.as_str()))
                        .build()?)
                })
                .collect()
        };
    request = request.set_key_schema(Some(key_schema(&spec.key_schema)?));
    for index in &spec.global_secondary_indexes {
        let projection = Projection::builder()
            .projection_type(ProjectionType::from(index.projection.projection_type.as_str()))
            .set_non_key_attributes(
                (!index.projection.non_key_attributes.is_empty()).then(|| index.projection.non_key_attributes.clone()),
            )
            .build();
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.index_name)
                .set_key_schema(Some(key_schema(&index.key_schema)?))
                .projection(projection)
                .build()?,
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(error) if error.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => return Ok(false),
        Err(error) => return Err(sdk_error(error).into()),
    }
    // Wait until the table is usable (immediate on the emulator, seconds on AWS).
    for _ in 0..120 {
        let described = client.describe_table().table_name(&spec.table_name).send().await.map_err(sdk_error)?;
        let active = described.table().and_then(|t| t.table_status()).is_some_and(|status| status.as_str() == "ACTIVE");
        if active {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    if let Some(ttl) = &spec.time_to_live_specification {
        client
            .update_time_to_live()
            .table_name(&spec.table_name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().attribute_name(&ttl.attribute_name).enabled(ttl.enabled).build()?,
            )
            .send()
            .await
            .map_err(sdk_error)?;
    }
    Ok(true)
}
