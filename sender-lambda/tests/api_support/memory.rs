//! The API's world without moto: the same fixture municipality (schedule, transactional mails,
//! subscription pages) published in [`MemorySite`], subscriptions in [`MemorySubscriptions`],
//! delivery records in [`MemoryDeliveries`] and mails captured by [`MemoryMailer`] — for the tests
//! whose subject is validation (refused input, malformed requests, tokens, CORS, pages), which need
//! the router's real answers but not the DynamoDB path.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use kizuna_schedule::{ScheduleDocument, SystemMail};
use kizuna_sender::adapters::memory::{MemoryDeliveries, MemoryMailer, MemorySite, MemorySubscriptions};
use kizuna_sender::adapters::site::published::Page;
use kizuna_sender::domain::links::{EmailHasher, LinkKeys};
use kizuna_sender::http::Api;
use kizuna_sender::lambdas::api::handle_event;
use lambda_runtime::{Context, LambdaEvent};

use super::{document, page_html, system_frame, ApiCalls, Mail, HASH_KEY, MUNI, SECRET};

/// The API over the in-memory twins.
pub type MemoryApi = Api<MemoryMailer, MemorySubscriptions, MemorySite, MemoryDeliveries>;

/// The in-memory twins, the fixture site and the API.
pub struct MemoryWorld {
    pub api: MemoryApi,
    pub links: LinkKeys,
    pub hasher: EmailHasher,
    pub document: ScheduleDocument,
}

/// The fixture municipality of [`super::write_site`], published in memory.
pub fn memory_site() -> (MemorySite, ScheduleDocument) {
    let site = MemorySite::new();
    let document = document();
    for kind in SystemMail::ALL {
        let frame = serde_json::to_string(&system_frame(kind)).expect("json");
        site.insert_file(MUNI, &format!("mail/system/{}.json", kind.as_str()), frame);
    }
    for page in Page::ALL {
        site.insert_file(MUNI, &page.path(), page_html(page));
    }
    site.insert_schedule(document.clone());
    (site, document)
}

impl MemoryWorld {
    pub fn new() -> MemoryWorld {
        let (site, document) = memory_site();
        let links = LinkKeys::parse(SECRET).expect("secret");
        let hasher = EmailHasher::new(HASH_KEY);
        let api = Api {
            store: MemorySubscriptions::new(),
            deliveries: MemoryDeliveries::new(),
            mailer: MemoryMailer::new(),
            links: links.clone(),
            hasher: hasher.clone(),
            site,
            surveys: super::unreachable_survey_answers(),
            config: super::api_config(),
            line: None,
        };
        MemoryWorld { api, links, hasher, document }
    }
}

impl ApiCalls for MemoryWorld {
    fn links(&self) -> &LinkKeys {
        &self.links
    }

    async fn handle(&self, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        handle_event(&self.api, LambdaEvent::new(event, Context::default())).await.expect("handler")
    }

    async fn mails(&self) -> Vec<Mail> {
        self.api.mailer.sent().iter().map(|mail| Mail::parse(&mail.raw)).collect()
    }

    async fn dump(&self) -> String {
        format!("{:#?}\n{:#?}", self.api.store.snapshot(), self.api.deliveries.records())
    }
}
