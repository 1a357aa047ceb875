//! Sign-up and confirmation: `POST /api/subscribe` (pending + confirmation mail), the
//! confirmation link's page and `POST /api/confirm` (active + welcome mail); the checks of the
//! family's fields that the LINE registration shares ([`FamilyCheck`]).

use super::*;

impl<M: Mailer + Sync, S: Subscriptions + Sync, P: PublishedSite + Sync, D: DeliveryStore + Sync> Api<M, S, P, D> {
    pub(super) async fn sign_up(&self, face: Face, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        use forms::{EMAIL, HONEYPOT, MUNICIPALITY};
        fields.only(&forms::SIGN_UP.names())?;
        let today = japan_date(now);
        let municipality = input::municipality_id(&fields.required(MUNICIPALITY.name, MUNICIPALITY.label)?)?;
        let schedule = self.schedule_of(&municipality).await?;
        let email = fields.required(EMAIL.name, EMAIL.label).and_then(|e| input::email(&e));
        let family = FamilyCheck::read(fields, today);
        // A field hidden from people: bots fill it in.
        let honeypot = fields.text(HONEYPOT.name, HONEYPOT.label);
        let mut errors: Vec<FieldError> = email.as_ref().err().into_iter().cloned().collect();
        errors.extend(family.errors());
        errors.extend(honeypot.as_ref().err().cloned());
        errors.extend(family.refused_by(&schedule.document, today));
        if !errors.is_empty() {
            return Err(Failure {
                status: 400,
                errors,
                page: Some((municipality, Page::Signup, None)),
                values: Some(fields.clone()),
            });
        }
        let (Ok(email), Some(Family { kind, date, nickname, consent_version })) = (email, family.into_family()) else {
            return Err(Failure::new(400, "body", "入力内容を確認してください。"));
        };
        let answer = |schedule: &LoadedSchedule| match face {
            Face::Json => ApiResponse::json(
                202,
                &serde_json::json!({
                    "status": "pending",
                    "message": "確認のメールを送りました。48時間以内に、メールのリンクを開いて登録を完了してください。",
                }),
            ),
            _ => ApiResponse::see_other(&self.page_url(schedule, Page::Sent)),
        };
        if matches!(honeypot, Ok(Some(_))) {
            return Ok(answer(&schedule));
        }
        let email_hash = self.hasher.hash(&email);
        let signup = PendingSignUp {
            municipality: municipality.clone(),
            email,
            email_hash: email_hash.clone(),
            anchor_kind: kind,
            anchor_date: date,
            nickname,
            consent_version,
        };
        let outcome = self.store.create_pending(&signup, now).await.map_err(|e| Failure::internal(&e))?;
        let to_confirm = match outcome {
            SignUpOutcome::Created(id) => self.store.get(&id).await.map_err(|e| Failure::internal(&e))?,
            SignUpOutcome::Existing(Some(existing)) if existing.status == SubscriptionStatus::Pending => Some(existing),
            SignUpOutcome::Existing(_) => None,
        };
        if let Some(subscription) = to_confirm {
            let suppressed = self
                .store
                .ids_by_email_hash(&email_hash)
                .await
                .map_err(|e| Failure::internal(&e))?
                .iter()
                .any(|(_, status)| *status == SubscriptionStatus::Bounced);
            let slot = !suppressed
                && self.store.claim_confirmation_slot(&email_hash, now).await.map_err(|e| Failure::internal(&e))?;
            if slot {
                self.send_system(&schedule, SystemMail::Confirm, &subscription, now).await;
            } else {
                tracing::info!(subscription = %subscription.id, "confirmation mail not sent (rate limit or suppressed)");
            }
        }
        Ok(answer(&schedule))
    }

    pub(super) async fn confirm(&self, face: Face, query: &str, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        fields.only(&forms::CONFIRM.names())?;
        let token = match fields.text(TOKEN.name, TOKEN.label)? {
            Some(token) => Some(token),
            None => query_param(query, TOKEN.name)?,
        };
        let current = self.subscription_for(token.as_deref(), &[Purpose::Confirm], now).await?;
        let schedule = self.schedule_of(&current.municipality).await?;
        let active = match current.status {
            SubscriptionStatus::Pending => {
                match self.store.activate(&current, now).await.map_err(|e| Failure::internal(&e))? {
                    Change::Applied(active) => {
                        self.send_system(&schedule, SystemMail::Welcome, &active, now).await;
                        *active
                    }
                    Change::Refused => {
                        return Err(Failure::new(409, TOKEN.name, "ほかの操作と重なりました。もう一度お試しください。"))
                    }
                }
            }
            SubscriptionStatus::Active => current,
            _ => {
                return Err(Failure::new(409, TOKEN.name, "このご登録は停止されています。").on(
                    &current.municipality,
                    Page::Error,
                    None,
                ));
            }
        };
        let today = japan_date(now);
        let archive_url = pages::current_archive_url(&schedule.document, active.anchor_kind, active.anchor_date, today);
        match face {
            Face::Json => {
                Ok(ApiResponse::json(200, &serde_json::json!({ "status": "active", "archive_url": archive_url })))
            }
            _ => {
                let page = self.site.page(&schedule, Page::Confirmed).await.map_err(|e| Failure::internal(&e))?;
                match page {
                    Some(html) => {
                        let html = pages::with_base(&html, &self.page_url(&schedule, Page::Confirmed));
                        Ok(ApiResponse::html(200, pages::fill_page(&html, None, Some(&archive_url), &[], None)))
                    }
                    None => Ok(ApiResponse::see_other(&archive_url)),
                }
            }
        }
    }

    /// The page the mailed confirmation link opens. Only its button (a POST) confirms: mail scanners
    /// and link previews open links by GET, and must not complete a sign-up the address's owner
    /// never made. A link opened again after confirming shows the confirmed page, as POST would.
    pub(super) async fn confirm_page(&self, face: Face, query: &str, fields: &Fields, now: DateTime<Utc>) -> Outcome {
        let token = query_param(query, TOKEN.name)?;
        let current = self.subscription_for(token.as_deref(), &[Purpose::Confirm], now).await?;
        match current.status {
            SubscriptionStatus::Pending => self.served_page(&current, Page::Confirm, token.as_deref()).await,
            _ => self.confirm(face, query, fields, now).await,
        }
    }
}

/// The family's fields of a sign-up form, each checked: due or birth, the date, the nickname and the
/// consent. The e-mail sign-up and the LINE registration read them alike.
pub(super) struct FamilyCheck {
    kind: Result<AnchorKind, FieldError>,
    date: Result<chrono::NaiveDate, FieldError>,
    nickname: Result<Option<String>, FieldError>,
    consent: Result<(), FieldError>,
    consent_version: Result<String, FieldError>,
}

/// The family's fields once every check passed.
pub(super) struct Family {
    pub(super) kind: AnchorKind,
    pub(super) date: chrono::NaiveDate,
    pub(super) nickname: Option<String>,
    pub(super) consent_version: String,
}

impl FamilyCheck {
    /// Reads and checks the fields (dates relative to the Japan date `today`).
    pub(super) fn read(fields: &Fields, today: chrono::NaiveDate) -> Self {
        use forms::{CONSENT, CONSENT_VERSION_FIELD, DATE, KIND, NICKNAME};
        let kind = fields.required(KIND.name, KIND.label).and_then(|kind| {
            kind.parse::<AnchorKind>().map_err(|_| {
                let choices = format!("「{}」か「{}」", AnchorKind::Due.label(), forms::KIND_BIRTH.label);
                FieldError::new(KIND.name, format!("{choices}を選んでください。"))
            })
        });
        let date = match (&kind, fields.required(DATE.name, DATE.label)) {
            (_, Err(error)) => Err(error),
            (Ok(AnchorKind::Due), Ok(value)) => input::due_date(DATE.name, &value, today),
            (Ok(AnchorKind::Birth), Ok(value)) => input::birth_date(DATE.name, &value, today),
            (Err(_), Ok(value)) => input::date(DATE.name, DATE.label, &value),
        };
        let nickname = fields.text(NICKNAME.name, NICKNAME.label).and_then(input::nickname);
        let consent = fields.flag(CONSENT.name, CONSENT.label).and_then(|given| {
            given
                .then_some(())
                .ok_or_else(|| FieldError::new(CONSENT.name, "利用規約と個人情報の取り扱いへの同意が必要です。"))
        });
        let consent_version = fields
            .required(CONSENT_VERSION_FIELD.name, CONSENT_VERSION_FIELD.label)
            .and_then(|v| input::consent_version(&v));
        FamilyCheck { kind, date, nickname, consent, consent_version }
    }

    /// The fields' errors, in the form's order.
    pub(super) fn errors(&self) -> impl Iterator<Item = FieldError> + '_ {
        [
            self.kind.as_ref().err(),
            self.date.as_ref().err(),
            self.nickname.as_ref().err(),
            self.consent.as_ref().err(),
            self.consent_version.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        .cloned()
    }

    /// Why the municipality does not take this due or birth date, when it does not.
    pub(super) fn refused_by(
        &self,
        document: &kizuna_schedule::ScheduleDocument,
        today: chrono::NaiveDate,
    ) -> Option<FieldError> {
        let (Ok(kind), Ok(date)) = (&self.kind, &self.date) else { return None };
        (!pages::accepts(document, *kind, *date, today)).then(|| {
            FieldError::new(
                forms::KIND.name,
                match kind {
                    AnchorKind::Due => "この市区町村では、出産予定日での登録を受け付けていません。",
                    AnchorKind::Birth => "この市区町村では、この生年月日のお子さん向けの配信を行っていません。",
                },
            )
        })
    }

    /// The checked fields, or `None` when any has an error.
    pub(super) fn into_family(self) -> Option<Family> {
        match (self.kind, self.date, self.nickname, self.consent, self.consent_version) {
            (Ok(kind), Ok(date), Ok(nickname), Ok(()), Ok(consent_version)) => {
                Some(Family { kind, date, nickname, consent_version })
            }
            _ => None,
        }
    }
}
