//! Deleting a subscription with everything kept about it (delivery records, uniqueness item, the
//! address's rate and bounce items with its last subscription) and finding what housekeeping is due
//! for in the sparse `by_expiry` index.

use super::*;

impl SubscriptionStore {
    /// Deletes a subscription with its uniqueness item and every delivery record; when it was the
    /// address's last subscription, the per-address items too. `false` when it did not exist.
    pub async fn delete_everything(&self, id: &str) -> Result<bool, BoxError> {
        let Some(current) = self.get(id).await? else {
            return Ok(false);
        };
        let pk = subscription_pk(id);
        let keys: Vec<Item> = self
            .client
            .query()
            .table_name(&self.deliveries)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(&pk))
            .projection_expression("#pk, #sk")
            .expression_attribute_names("#sk", SK)
            .consistent_read(true)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .map_err(sdk_error)?;
        for chunk in keys.chunks(25) {
            let mut requests: Vec<WriteRequest> = Vec::new();
            for key in chunk {
                requests.push(
                    WriteRequest::builder()
                        .delete_request(DeleteRequest::builder().set_key(Some(key.clone())).build()?)
                        .build(),
                );
            }
            self.batch_delete(&self.deliveries, requests).await?;
        }
        if let Some(unique) = &current.uniqueness_pk {
            self.delete_key(unique).await?;
        }
        self.delete_counted(&current, Utc::now()).await?;
        if self.ids_by_email_hash(&current.email_hash).await?.is_empty() {
            self.delete_key(&format!("MAILRATE#{}", current.email_hash)).await?;
            self.delete_key(&format!("BOUNCES#{}", current.email_hash)).await?;
        }
        Ok(true)
    }

    /// Deletes the subscription item with its report counts (a deletion while active is 解除), in
    /// one transaction conditional on the status it was read with; a concurrent change fails it.
    async fn delete_counted(&self, current: &Subscription, now: DateTime<Utc>) -> Result<(), BoxError> {
        let delete = Delete::builder()
            .table_name(&self.subscriptions)
            .key(PK, s(subscription_pk(&current.id)))
            .condition_expression(format!("#st = :was AND {}", super::counted_condition(current)))
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":was", s(current.status.as_str()))
            .build()?;
        let counts = self.counts(Transition::Deleted, Some(current), None, now)?;
        let transaction =
            self.client.transact_write_items().transact_items(TransactWriteItem::builder().delete(delete).build());
        match counts.into_iter().fold(transaction, |t, count| t.transact_items(count)).send().await {
            Ok(_) => Ok(()),
            Err(error) => Err(StoreError::Conflict(format!(
                "the subscription changed while it was being deleted: {:?}",
                cancelled_transaction(error)?.message()
            ))
            .into()),
        }
    }

    async fn delete_key(&self, pk: &str) -> Result<(), BoxError> {
        self.client.delete_item().table_name(&self.subscriptions).key(PK, s(pk)).send().await.map_err(sdk_error)?;
        Ok(())
    }

    async fn batch_delete(&self, table: &str, mut requests: Vec<WriteRequest>) -> Result<(), BoxError> {
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

    /// Subscription ids in `by_expiry` partition `what`
    /// due at or before `now`.
    pub async fn due_for_expiry(&self, what: ExpiryKind, now: DateTime<Utc>) -> Result<Vec<String>, BoxError> {
        let high = format!("{}#~", now.format("%Y-%m-%dT%H:%M:%SZ"));
        let items: Vec<Item> = self
            .client
            .query()
            .table_name(&self.subscriptions)
            .index_name(BY_EXPIRY)
            .key_condition_expression("#p = :p AND #s <= :high")
            .expression_attribute_names("#p", EXPIRY_PK)
            .expression_attribute_names("#s", EXPIRY_SK)
            .expression_attribute_values(":p", s(what.as_str()))
            .expression_attribute_values(":high", s(&high))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<_, _>>()
            .await
            .map_err(sdk_error)?;
        let found: Vec<String> = items
            .iter()
            .filter_map(|item| get_s(item, PK))
            .filter_map(subscription_id_from_pk)
            .map(str::to_owned)
            .collect();
        Ok(found)
    }
}
