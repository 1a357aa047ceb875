//! The DynamoDB side of the API tests' moto worlds: fresh tables in an emulator and the API over
//! them (SES for mail, a directory for the site), written once for the subscription tests'
//! [`super::World`] and the survey tests' [`super::surveys::SurveyWorld`].

use std::path::Path;

use kizuna_sender::adapters::dynamo::subscriptions::SubscriptionStore;
use kizuna_sender::adapters::dynamo::survey_answers::DynamoSurveyAnswers;
use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table, survey_answers_table};
use kizuna_sender::adapters::dynamo::{create_table, DynamoDeliveries, DynamoRecipients};
use kizuna_sender::adapters::ses::SesMailer;
use kizuna_sender::adapters::site::published::Site;
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::http::{Api, ApiConfig};

use crate::common::moto::unique;

/// The subscriptions and deliveries tables of one test, uniquely named.
pub struct Tables {
    pub dynamo: aws_sdk_dynamodb::Client,
    pub subscriptions: String,
    pub deliveries: String,
}

impl Tables {
    /// Creates both tables in the emulator `config` points at.
    pub async fn create(config: &aws_config::SdkConfig) -> Tables {
        let dynamo = aws_sdk_dynamodb::Client::new(config);
        let (subscriptions, deliveries) = (unique("subs"), unique("dels"));
        create_table(&dynamo, &subscriptions_table(&subscriptions)).await.expect("create subscriptions");
        create_table(&dynamo, &deliveries_table(&deliveries)).await.expect("create deliveries");
        Tables { dynamo, subscriptions, deliveries }
    }

    /// Creates a survey answers table beside them.
    pub async fn survey_answers(&self) -> DynamoSurveyAnswers {
        let table = unique("answers");
        create_table(&self.dynamo, &survey_answers_table(&table)).await.expect("create survey answers");
        DynamoSurveyAnswers::new(self.dynamo.clone(), &table)
    }

    pub fn store(&self) -> SubscriptionStore {
        SubscriptionStore::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
    }

    pub fn source(&self) -> DynamoRecipients {
        DynamoRecipients::new(self.dynamo.clone(), &self.subscriptions)
    }

    pub fn deliveries_store(&self) -> DynamoDeliveries {
        DynamoDeliveries::new(self.dynamo.clone(), &self.subscriptions, &self.deliveries)
    }

    /// The API over these tables, mailing with `mailer` and reading the site from `site`.
    pub fn api(
        &self,
        mailer: SesMailer,
        links: LinkKeys,
        hasher: EmailHasher,
        site: &Path,
        surveys: DynamoSurveyAnswers,
        config: ApiConfig,
    ) -> Api<SesMailer> {
        Api {
            store: self.store(),
            deliveries: self.deliveries_store(),
            mailer,
            links,
            hasher,
            site: Site::Directory(site.to_owned()),
            surveys,
            config,
            line: None,
        }
    }
}
