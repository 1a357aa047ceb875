//! The helpers of deleting a subscription with everything kept about it (delivery records,
//! uniqueness item, the address's rate and bounce items with its last subscription); the port's
//! `delete_everything` (in `port.rs`) drives them.

use super::*;

impl SubscriptionStore {
    /// Deletes the subscription item with its report counts (a deletion while active is 解除), in
    /// one transaction conditional on the status it was read with; a concurrent change fails it.
    pub(super) async fn delete_counted(&self, current: &Subscription, now: DateTime<Utc>) -> Result<(), BoxError> {
        let delete = Delete::builder()
            .table_name(&self.subscriptions)
            .key(PK, s(subscription_pk(&current.id)))
            .condition_expression(format!("#st = :was AND {}", super::counted_condition(current)))
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":was", s(current.status.as_str()))
            .build()?;
        let counts = self.counts(Transition::Deleted, Some(current), None, now)?;
        let mut items = vec![TransactWriteItem::builder().delete(delete).build()];
        items.extend(counts);
        match self.transact(items).await? {
            Transacted::Committed => Ok(()),
            Transacted::Cancelled(cancelled) => Err(StoreError::Conflict(format!(
                "the subscription changed while it was being deleted: {:?}",
                cancelled.message()
            ))
            .into()),
        }
    }

    pub(super) async fn delete_key(&self, pk: &str) -> Result<(), BoxError> {
        self.client.delete_item().table_name(&self.subscriptions).key(PK, s(pk)).send().await.map_err(sdk_error)?;
        Ok(())
    }

    pub(super) async fn batch_delete(&self, table: &str, mut requests: Vec<WriteRequest>) -> Result<(), BoxError> {
        for attempt in 0..8_u32 {
            if requests.is_empty() {
                return Ok(());
            }
            let output = self
                .client
                .batch_write_item()
                .request_items(table, requests.clone())
                .send()
                .await
                .map_err(sdk_error)?;
            requests = output.unprocessed_items().and_then(|items| items.get(table)).cloned().unwrap_or_default();
            if !requests.is_empty() {
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
        }
        if requests.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Throttled("BatchWriteItem left items unprocessed".to_owned()).into())
        }
    }
}
