//! The manage and unsubscribe pages and the changes a family makes to a running subscription:
//! register the birth (and today's mail), change the due date, stop, unsubscribe, delete.

use super::*;
use crate::domain::model;

impl<M: Mailer + Sync, S: Subscriptions + Sync, P: PublishedSite + Sync, D: DeliveryStore + Sync> Api<M, S, P, D> {
    pub(super) async fn manage_page(&self, query: &str, now: DateTime<Utc>) -> Outcome {
        let token = query_param(query, TOKEN.name)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Manage], now).await?;
        self.served_page(&current, Page::Manage, token.as_deref()).await
    }

    pub(super) async fn unsubscribe_page(&self, query: &str, now: DateTime<Utc>) -> Outcome {
        let token = query_param(query, TOKEN.name)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Unsubscribe], now).await?;
        self.served_page(&current, Page::Unsubscribe, token.as_deref()).await
    }

    pub(super) async fn served_page(&self, current: &Subscription, page: Page, token: Option<&str>) -> Outcome {
        let schedule = self.schedule_of(&current.municipality).await?;
        match self.site.page(&schedule, page).await.map_err(|e| Failure::internal(&e))? {
            Some(html) => {
                let html = pages::with_base(&html, &self.page_url(&schedule, page));
                Ok(ApiResponse::html(200, pages::fill_page(&html, token, None, &[], None)))
            }
            None => Err(Failure::internal(&BoxError::from("subscription page missing"))),
        }
    }

    /// The token of a manage form and its subscription; form errors show the manage page again.
    pub(super) async fn managed(
        &self,
        fields: &Fields,
        allowed: &[&str],
        now: DateTime<Utc>,
    ) -> Result<(Subscription, String), Failure> {
        fields.only(allowed)?;
        let token = fields.text(TOKEN.name, TOKEN.label)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Manage], now).await?;
        Ok((current, token.unwrap_or_default()))
    }

    pub(super) async fn birth(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, token) = self.managed(fields, &forms::BIRTH.names(), now).await?;
        let on_page = |failure: Failure| failure.on(&current.municipality, Page::Manage, Some(&token));
        let today = japan_date(now);
        let birth = fields
            .required(BIRTH_DATE.name, BIRTH_DATE.label)
            .and_then(|value| input::birth_date(BIRTH_DATE.name, &value, today))
            .map_err(|e| on_page(e.into()))?;
        if current.anchor_kind != AnchorKind::Due {
            return Err(on_page(Failure::new(409, BIRTH_DATE.name, "出産の登録はすでに済んでいます。")));
        }
        let schedule = self.schedule_of(&current.municipality).await?;
        let updated = match self.store.register_birth(&current, birth, now).await.map_err(|e| Failure::internal(&e))? {
            Change::Applied(updated) => *updated,
            Change::Refused => {
                return Err(on_page(Failure::new(
                    409,
                    BIRTH_DATE.name,
                    "このご登録では出産の登録ができません（登録の確認が済んでいないか、配信が停止されています）。",
                )))
            }
        };
        self.send_system(&schedule, SystemMail::BirthRegistered, &updated, now).await;
        self.deliver_today(&schedule, &updated, today).await;
        self.done(face, &schedule, Page::Updated, serde_json::json!({ "status": "active", "anchor_kind": "birth" }))
    }

    /// Today's track message for a subscription whose anchor just changed or that was just
    /// registered on LINE, through the delivery code (reservation with the subscription check, at
    /// most once per entry, so the morning run never sends it twice), by the family's channel.
    pub(super) async fn deliver_today(
        &self,
        schedule: &LoadedSchedule,
        subscription: &Subscription,
        today: chrono::NaiveDate,
    ) {
        let mut source = MemoryRecipients::new();
        source.insert(subscription.recipient());
        let options = PlanOptions { allow_draft: self.config.allow_draft };
        let plan = match plan_day(&schedule.document, today, &source, options).await {
            Ok(plan) if !plan.mails.is_empty() => plan,
            Ok(_) => return,
            Err(error) => {
                tracing::error!(subscription = %subscription.id, error = %error, "planning today's mail failed");
                return;
            }
        };
        let sections = match Sections::fetch_for(schedule, &plan.mails).await {
            Ok(sections) => sections,
            Err(error) => {
                tracing::error!(subscription = %subscription.id, error = %error, "cannot load today's sections");
                return;
            }
        };
        let pacer = Pacer::new(self.config.send_rate.max(1.0));
        // Each family by its own channel: a LINE family's message is pushed, never mailed.
        let line = self.line.as_ref().map(|line| crate::adapters::line::push::LinePush { channels: &line.channels });
        let routed = crate::ports::channel::Routed { mail: &self.mailer, line: line.as_ref() };
        let delivery = Delivery {
            store: &self.deliveries,
            mailer: &routed,
            pacer: &pacer,
            options: DeliveryOptions { concurrency: 1, max_attempts: 4, ..DeliveryOptions::default() },
        };
        let composer = crate::adapters::ses::compose::Composer {
            schedule: &schedule.document,
            sections: &sections,
            links: &self.links,
            now: Utc::now().timestamp(),
        };
        let counts = delivery.deliver_plan(&plan, &composer).await;
        tracing::info!(subscription = %subscription.id, sent = counts.sent, "today's mail after the anchor change");
    }

    pub(super) fn done(&self, face: Face, schedule: &LoadedSchedule, page: Page, json: serde_json::Value) -> Outcome {
        Ok(match face {
            Face::Json => ApiResponse::json(200, &json),
            _ => ApiResponse::see_other(&self.page_url(schedule, page)),
        })
    }

    pub(super) async fn due_date(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, token) = self.managed(fields, &forms::CHANGE_DUE_DATE.names(), now).await?;
        let on_page = |failure: Failure| failure.on(&current.municipality, Page::Manage, Some(&token));
        let today = japan_date(now);
        let due = fields
            .required(DUE_DATE.name, DUE_DATE.label)
            .and_then(|value| input::due_date(DUE_DATE.name, &value, today))
            .map_err(|e| on_page(e.into()))?;
        if current.anchor_kind != AnchorKind::Due {
            return Err(on_page(Failure::new(
                409,
                DUE_DATE.name,
                "出産の登録が済んでいるため、予定日は変更できません。",
            )));
        }
        let schedule = self.schedule_of(&current.municipality).await?;
        if current.anchor_date != due {
            match self.store.change_due_date(&current, due, now).await.map_err(|e| Failure::internal(&e))? {
                Change::Applied(_) => {}
                Change::Refused => {
                    return Err(on_page(Failure::new(
                        409,
                        DUE_DATE.name,
                        "このご登録では予定日を変更できません（配信が停止されています）。",
                    )))
                }
            }
        }
        self.done(
            face,
            &schedule,
            Page::Updated,
            serde_json::json!({ "status": current.status.as_str(), "anchor_kind": "due" }),
        )
    }

    pub(super) async fn stop(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, token) = self.managed(fields, &forms::STOP.names(), now).await?;
        let on_page = |failure: Failure| failure.on(&current.municipality, Page::Manage, Some(&token));
        let reason = fields.required(REASON.name, REASON.label).map_err(|e| on_page(e.into()))?;
        let Ok(reason) = reason.parse::<StopReason>() else {
            return Err(on_page(Failure::new(400, REASON.name, "停止の理由を選んでください。")));
        };
        let schedule = self.schedule_of(&current.municipality).await?;
        match self
            .store
            .end(
                &current,
                SubscriptionStatus::Stopped,
                model::StopReason::Family(reason),
                model::Transition::Stopped(model::StopReason::Family(reason)),
                now,
            )
            .await
            .map_err(|e| Failure::internal(&e))?
        {
            Change::Applied(stopped) => {
                let kind = if reason.is_loss() { SystemMail::StoppedLoss } else { SystemMail::Stopped };
                self.send_system(&schedule, kind, &stopped, now).await;
            }
            Change::Refused
                if !matches!(
                    current.status,
                    SubscriptionStatus::Pending | SubscriptionStatus::Active | SubscriptionStatus::Completed
                ) => {}
            Change::Refused => {
                return Err(on_page(Failure::new(
                    409,
                    REASON.name,
                    "ほかの操作と重なりました。もう一度お試しください。",
                )))
            }
        }
        self.done(face, &schedule, Page::Stopped, serde_json::json!({ "status": "stopped" }))
    }

    pub(super) async fn unsubscribe(&self, face: Face, query: &str, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let one_click = fields.has(ONE_CLICK.name);
        if one_click {
            fields.only(&forms::ONE_CLICK_UNSUBSCRIBE.names())?;
            if fields.required(ONE_CLICK.name, ONE_CLICK.label)? != forms::ONE_CLICK_VALUE {
                return Err(Failure::new(400, ONE_CLICK.name, "List-Unsubscribe=One-Click を送ってください。"));
            }
        } else {
            fields.only(&forms::UNSUBSCRIBE.names())?;
        }
        let token = match fields.text(TOKEN.name, TOKEN.label)? {
            Some(token) => Some(token),
            None => query_param(query, TOKEN.name)?,
        };
        let current = self.subscription_for(token.as_deref(), &[Purpose::Unsubscribe], now).await?;
        let schedule = self.schedule_of(&current.municipality).await?;
        let via = match (one_click, face) {
            (true, _) => model::UnsubscribeVia::OneClick,
            (false, Face::Json) => model::UnsubscribeVia::Api,
            (false, _) => model::UnsubscribeVia::Link,
        };
        if let Change::Applied(ended) = self
            .store
            .end(
                &current,
                SubscriptionStatus::Unsubscribed,
                model::StopReason::Unsubscribe,
                model::Transition::Unsubscribed(via),
                now,
            )
            .await
            .map_err(|e| Failure::internal(&e))?
        {
            self.send_system(&schedule, SystemMail::Unsubscribed, &ended, now).await;
        }
        if one_click {
            return Ok(ApiResponse::new(200, "text/plain; charset=utf-8", "配信を解除しました。\n".to_owned()));
        }
        self.done(face, &schedule, Page::Unsubscribed, serde_json::json!({ "status": "unsubscribed" }))
    }

    pub(super) async fn delete(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let (current, _) = self.managed(fields, &forms::DELETE.names(), now).await?;
        let schedule = self.schedule_of(&current.municipality).await?;
        self.store.delete_everything(&current.id).await.map_err(|e| Failure::internal(&e))?;
        tracing::info!(subscription = %current.id, "deleted on request");
        self.done(face, &schedule, Page::Deleted, serde_json::json!({ "status": "deleted" }))
    }
}
