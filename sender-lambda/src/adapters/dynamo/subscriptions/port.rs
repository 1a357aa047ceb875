//! The subscription store as the [`Subscriptions`] port: the lifecycle's reads and conditional
//! changes, each one DynamoDB transaction with the report counters of its transition. The helpers
//! they share (guarded updates, counters, the put of a new item pair) are in `mod.rs`; deletion's
//! own helpers in `housekeeping.rs`.

use super::*;

impl Subscriptions for SubscriptionStore {
    /// Reads a subscription (strongly consistent).
    async fn get(&self, id: &str) -> Result<Option<Subscription>, BoxError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.subscriptions)
            .key(PK, s(subscription_pk(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(output.item().and_then(subscription_from_item))
    }

    /// Stores a pending subscription with its uniqueness item, or finds the existing one.
    async fn create_pending(&self, signup: &PendingSignUp, now: DateTime<Utc>) -> Result<SignUpOutcome, BoxError> {
        let id = uuid::Uuid::new_v4().to_string();
        let new = NewSubscription::pending(id.clone(), signup);
        let (mut item, unique_item) = subscription_items(&new, &rfc3339(now));
        item.insert(EXPIRY_PK.into(), s(ExpiryKind::Pending.as_str()));
        item.insert(EXPIRY_SK.into(), s(expiry_sk(now + Duration::hours(PENDING_HOURS), &id)));
        let unique = uniqueness_pk(&signup.email_hash, &signup.municipality, signup.anchor_kind, signup.anchor_date);
        let counts = self.counts(Transition::Registered, None, Some(&new.as_stored()), now)?;
        match self.put_items(item, unique_item, counts).await? {
            PutOutcome::Created => Ok(SignUpOutcome::Created(id)),
            PutOutcome::Duplicate => {
                let existing = self
                    .client
                    .get_item()
                    .table_name(&self.subscriptions)
                    .key(PK, s(&unique))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                let id = existing
                    .item()
                    .and_then(|item| get_s(item, "subscription"))
                    .and_then(subscription_id_from_pk)
                    .map(str::to_owned);
                let subscription = match id {
                    Some(id) => self.get(&id).await?,
                    None => None,
                };
                Ok(SignUpOutcome::Existing(subscription))
            }
        }
    }

    /// Takes the address's confirmation-mail slot: `true` when no confirmation mail went to it in
    /// the last 10 minutes (and records this one).
    async fn claim_confirmation_slot(&self, email_hash: &str, now: DateTime<Utc>) -> Result<bool, BoxError> {
        let cutoff = now.timestamp() - CONFIRMATION_INTERVAL_MINUTES * 60;
        let result = self
            .client
            .put_item()
            .table_name(&self.subscriptions)
            .item(PK, s(format!("MAILRATE#{email_hash}")))
            .item("last_sent", n(now.timestamp()))
            .condition_expression("attribute_not_exists(#pk) OR last_sent <= :cutoff")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":cutoff", n(cutoff))
            .send()
            .await;
        Ok(put_if(result)?)
    }

    /// Confirms a pending sign-up: active, in `by_anchor`, no longer expiring.
    async fn activate(&self, current: &Subscription, now: DateTime<Utc>) -> Result<Change, BoxError> {
        if !current.can_activate() {
            return Ok(Change::Refused);
        }
        let update = self
            .guarded(current)
            .update_expression(
                "SET #st = :active, updated_at = :t, confirmed_at = :t, #bp = :bp, #bs = :bs REMOVE #ep, #es",
            )
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_names("#ep", EXPIRY_PK)
            .expression_attribute_names("#es", EXPIRY_SK)
            .expression_attribute_values(":active", s(SubscriptionStatus::Active.as_str()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":bp", s(by_anchor_pk(&current.municipality, current.anchor_kind)))
            .expression_attribute_values(":bs", s(by_anchor_sk(current.anchor_date, &current.id)))
            .build()?;
        let after = Subscription { status: SubscriptionStatus::Active, ..current.clone() };
        let counts = self.counts(Transition::Confirmed, Some(current), Some(&after), now)?;
        let applied = self.update(update, counts).await?;
        self.reread(&current.id, applied).await
    }

    /// Registers the birth of a maternity subscription (active or completed): the anchor becomes the
    /// birth date, `anchor_version` increments, and it is active in `by_anchor` under `birth`.
    async fn register_birth(
        &self,
        current: &Subscription,
        birth: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        if !current.can_register_birth() {
            return Ok(Change::Refused);
        }
        let update = self
            .guarded(current)
            .update_expression(
                "SET #st = :active, anchor_kind = :birth, anchor_date = :d, updated_at = :t, #bp = :bp, #bs = :bs \
                 ADD anchor_version :one REMOVE #ep, #es",
            )
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_names("#ep", EXPIRY_PK)
            .expression_attribute_names("#es", EXPIRY_SK)
            .expression_attribute_values(":active", s(SubscriptionStatus::Active.as_str()))
            .expression_attribute_values(":birth", s(AnchorKind::Birth.as_str()))
            .expression_attribute_values(":d", s(birth.format("%Y-%m-%d").to_string()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":bp", s(by_anchor_pk(&current.municipality, AnchorKind::Birth)))
            .expression_attribute_values(":bs", s(by_anchor_sk(birth, &current.id)))
            .build()?;
        let after = Subscription {
            status: SubscriptionStatus::Active,
            anchor_kind: AnchorKind::Birth,
            anchor_date: birth,
            ..current.clone()
        };
        let counts = self.counts(Transition::BirthRegistered, Some(current), Some(&after), now)?;
        let applied = self.update(update, counts).await?;
        self.reread(&current.id, applied).await
    }

    /// Changes the due date of a pending or active maternity subscription (`anchor_version` + 1).
    /// Delivery records stay, so nothing already received is sent again.
    async fn change_due_date(
        &self,
        current: &Subscription,
        due: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        if !current.can_change_due_date() {
            return Ok(Change::Refused);
        }
        let mut update = self
            .guarded(current)
            .expression_attribute_values(":d", s(due.format("%Y-%m-%d").to_string()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":one", n(1));
        update = if current.status == SubscriptionStatus::Active {
            update
                .update_expression("SET anchor_date = :d, updated_at = :t, #bs = :bs ADD anchor_version :one")
                .expression_attribute_names("#bs", BY_ANCHOR_SK)
                .expression_attribute_values(":bs", s(by_anchor_sk(due, &current.id)))
        } else {
            update.update_expression("SET anchor_date = :d, updated_at = :t ADD anchor_version :one")
        };
        let after = Subscription { anchor_date: due, ..current.clone() };
        let counts = self.counts(Transition::AnchorChanged, Some(current), Some(&after), now)?;
        let applied = self.update(update.build()?, counts).await?;
        self.reread(&current.id, applied).await
    }

    /// Ends a subscription (stopped, unsubscribed, completed or bounced): out of `by_anchor` at once,
    /// `anchor_version` + 1, the uniqueness item deleted (the family may sign up again), and — except
    /// for bounced, which stays to suppress the address — due for deletion after 90 days.
    async fn end(
        &self,
        current: &Subscription,
        status: SubscriptionStatus,
        reason: StopReason,
        transition: Transition,
        now: DateTime<Utc>,
    ) -> Result<Change, BoxError> {
        if !current.status.can_end_as(status) {
            return Ok(Change::Refused);
        }
        let mut set = String::from("SET #st = :new, stop_reason = :r, updated_at = :t, ended_at = :t");
        let mut update = self
            .guarded(current)
            .expression_attribute_names("#bp", BY_ANCHOR_PK)
            .expression_attribute_names("#bs", BY_ANCHOR_SK)
            .expression_attribute_names("#ep", EXPIRY_PK)
            .expression_attribute_names("#es", EXPIRY_SK)
            .expression_attribute_names("#uq", UNIQUENESS_KEY)
            .expression_attribute_values(":new", s(status.as_str()))
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":r", s(reason.as_str()))
            .expression_attribute_values(":one", n(1));
        let remove = if status == SubscriptionStatus::Bounced {
            " REMOVE #bp, #bs, #uq, #ep, #es"
        } else {
            set.push_str(", #ep = :ep, #es = :es");
            update =
                update.expression_attribute_values(":ep", s(ExpiryKind::Ended.as_str())).expression_attribute_values(
                    ":es",
                    s(expiry_sk(now + Duration::days(ENDED_RETENTION_DAYS), &current.id)),
                );
            " REMOVE #bp, #bs, #uq"
        };
        let expression = format!("{set} ADD anchor_version :one{remove}");
        let update = update.update_expression(expression).build()?;
        let after = Subscription { status, ..current.clone() };
        let counts = self.counts(transition, Some(current), Some(&after), now)?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        items.extend(counts);
        if let Some(unique) = &current.uniqueness_pk {
            items.push(
                TransactWriteItem::builder()
                    .delete(Delete::builder().table_name(&self.subscriptions).key(PK, s(unique)).build()?)
                    .build(),
            );
        }
        let applied = matches!(self.transact(items).await?, Transacted::Committed);
        self.reread(&current.id, applied).await
    }

    /// The subscriptions of an address (by its hash), with their status.
    async fn ids_by_email_hash(&self, email_hash: &str) -> Result<Vec<(String, SubscriptionStatus)>, BoxError> {
        let mut found = Vec::new();
        let mut items = self
            .client
            .query()
            .table_name(&self.subscriptions)
            .index_name(BY_EMAIL_HASH)
            .key_condition_expression("#h = :h")
            .expression_attribute_names("#h", EMAIL_HASH)
            .expression_attribute_values(":h", s(email_hash))
            .into_paginator()
            .items()
            .send();
        while let Some(item) = items.next().await {
            let item = item.map_err(sdk_error)?;
            let id = get_s(&item, PK).and_then(subscription_id_from_pk);
            let status = get_s(&item, "status").and_then(SubscriptionStatus::parse);
            if let (Some(id), Some(status)) = (id, status) {
                found.push((id.to_owned(), status));
            }
        }
        Ok(found)
    }

    /// Counts one more transient bounce of an address; returns the new count.
    async fn count_transient_bounce(&self, email_hash: &str, now: DateTime<Utc>) -> Result<u64, BoxError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.subscriptions)
            .key(PK, s(format!("BOUNCES#{email_hash}")))
            .update_expression("SET updated_at = :t ADD transient_bounces :one")
            .expression_attribute_values(":t", s(rfc3339(now)))
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk_error)?;
        let count = output
            .attributes()
            .and_then(|a| a.get("transient_bounces"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(count)
    }

    /// Reserves a once-only transactional mail (`system/<kind>` in the deliveries table) for a
    /// subscription that is still in the status and version read: `false` when it was already sent
    /// or the subscription changed.
    async fn claim_system_mail(
        &self,
        current: &Subscription,
        kind: SystemMail,
        now: DateTime<Utc>,
    ) -> Result<bool, BoxError> {
        let mut record = Item::new();
        record.insert(PK.into(), s(subscription_pk(&current.id)));
        record.insert(SK.into(), s(format!("system/{}", kind.as_str())));
        record.insert("status".into(), s("sent"));
        record.insert("municipality".into(), s(&current.municipality));
        record.insert("anchor_version".into(), n(current.anchor_version));
        record.insert("created_at".into(), s(rfc3339(now)));
        record.insert(EXPIRES_AT.into(), n(now.timestamp() + DELIVERY_TTL_DAYS * 86_400));
        let result = self
            .client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.deliveries)
                            .set_item(Some(record))
                            .condition_expression("attribute_not_exists(#pk)")
                            .expression_attribute_names("#pk", PK)
                            .build()?,
                    )
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .condition_check(
                        aws_sdk_dynamodb::types::ConditionCheck::builder()
                            .table_name(&self.subscriptions)
                            .key(PK, s(subscription_pk(&current.id)))
                            .condition_expression("#st = :was AND anchor_version = :v")
                            .expression_attribute_names("#st", "status")
                            .expression_attribute_values(":was", s(current.status.as_str()))
                            .expression_attribute_values(":v", n(current.anchor_version))
                            .build()?,
                    )
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => Ok(cancelled_transaction(error).map(|_| false)?),
        }
    }

    /// Stores an active LINE subscription (the inherent method, in `line_subscriptions.rs`).
    async fn put_new_line(
        &self,
        sub: &crate::adapters::dynamo::subscription_items::NewSubscription,
        line: &crate::domain::model::LineRecipient,
    ) -> Result<super::PutOutcome, BoxError> {
        SubscriptionStore::put_new_line(self, sub, line).await
    }

    /// Deletes a subscription with its uniqueness item and every delivery record; when it was the
    /// address's last subscription, the per-address items too. `false` when it did not exist.
    async fn delete_everything(&self, id: &str) -> Result<bool, BoxError> {
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

    /// Subscription ids in `by_expiry` partition `what`
    /// due at or before `now`.
    async fn due_for_expiry(&self, what: ExpiryKind, now: DateTime<Utc>) -> Result<Vec<String>, BoxError> {
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
