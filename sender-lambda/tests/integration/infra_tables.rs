//! The infrastructure template (`infra/template.yaml`) against the sender's own definitions: the
//! DynamoDB tables must be exactly those `kizuna_sender::adapters::dynamo::tables` creates for local use (plus the
//! deployment-only settings: point-in-time recovery, encryption, deletion protection), the
//! functions must get the tables by reference and build the fixed binaries, and every index an IAM
//! policy names must exist.
//!
//! The template uses CloudFormation's short tags (`!Ref`, `!Sub`, `!GetAtt`, …); they are read as
//! YAML tags and turned into their long JSON forms (`{"Ref": …}`, `{"Fn::Sub": …}`), as
//! CloudFormation does.

use std::path::{Path, PathBuf};

use kizuna_sender::adapters::dynamo::tables::{deliveries_table, subscriptions_table, survey_answers_table, TableSpec};
use serde_json::{json, Map, Value};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// A YAML value as CloudFormation JSON: short tags become their long forms.
fn to_json(value: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().expect("a YAML number is an integer or a float"))
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Y::String(s) => s,
                    other => panic!("non-string key in the template: {other:?}"),
                };
                object.insert(key, to_json(value));
            }
            Value::Object(object)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = to_json(tagged.value);
            match name {
                "Ref" | "Condition" => json!({ name: inner }),
                // `!GetAtt Resource.Attribute` is `{"Fn::GetAtt": ["Resource", "Attribute"]}`.
                "GetAtt" => match inner {
                    Value::String(s) => {
                        let (resource, attribute) = s.split_once('.').expect("!GetAtt Resource.Attribute");
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                _ => json!({ format!("Fn::{name}"): inner }),
            }
        }
    }
}

fn template() -> Value {
    let path = repo_root().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    to_json(yaml)
}

fn resources(template: &Value) -> &Map<String, Value> {
    template["Resources"].as_object().expect("Resources")
}

/// The sender's definition without the table name (the template names tables per stack).
fn sender_definition(spec: TableSpec) -> Map<String, Value> {
    let mut value = serde_json::to_value(spec).expect("a table spec serializes");
    let object = value.as_object_mut().expect("an object");
    object.remove("TableName");
    object.clone()
}

#[test]
fn the_template_tables_are_exactly_the_senders() {
    let template = template();
    for (logical_id, spec) in [
        ("SubscriptionsTable", subscriptions_table("any")),
        ("DeliveriesTable", deliveries_table("any")),
        ("SurveyAnswersTable", survey_answers_table("any")),
    ] {
        let resource = &resources(&template)[logical_id];
        assert_eq!(resource["Type"], "AWS::DynamoDB::Table", "{logical_id}");
        let mut properties = resource["Properties"].as_object().expect("Properties").clone();
        // The deployment-only settings, each checked, then set aside.
        assert_eq!(
            properties.remove("PointInTimeRecoverySpecification"),
            Some(json!({ "PointInTimeRecoveryEnabled": true })),
            "{logical_id}: point-in-time recovery"
        );
        assert_eq!(
            properties.remove("SSESpecification"),
            Some(json!({ "SSEEnabled": true, "SSEType": "KMS" })),
            "{logical_id}: encryption"
        );
        assert_eq!(
            properties.remove("DeletionProtectionEnabled"),
            Some(json!({ "Fn::If": ["Protect", true, false] })),
            "{logical_id}: deletion protection follows the DeletionProtection parameter"
        );
        assert!(properties.remove("TableName").is_some(), "{logical_id}: TableName");
        assert_eq!(
            Value::Object(properties),
            Value::Object(sender_definition(spec)),
            "{logical_id} in infra/template.yaml differs from `kizuna-sender tables describe` \
             (sender-lambda/src/tables.rs is the single definition: copy it into the template)"
        );
        assert_eq!(resource["DeletionPolicy"], "Retain", "{logical_id}: the data outlives the stack");
    }
}

#[test]
fn only_the_senders_tables_are_in_the_template() {
    let template = template();
    let tables: Vec<&str> = resources(&template)
        .iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::DynamoDB::Table")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(tables, ["DeliveriesTable", "SubscriptionsTable", "SurveyAnswersTable"]);
}

#[test]
fn table_names_are_per_stack_and_every_function_gets_them_by_reference() {
    let template = template();
    let resources = resources(&template);
    assert_eq!(
        resources["SubscriptionsTable"]["Properties"]["TableName"],
        json!({ "Fn::Sub": "${AWS::StackName}-subscriptions" })
    );
    assert_eq!(
        resources["DeliveriesTable"]["Properties"]["TableName"],
        json!({ "Fn::Sub": "${AWS::StackName}-deliveries" })
    );
    assert_eq!(
        resources["SurveyAnswersTable"]["Properties"]["TableName"],
        json!({ "Fn::Sub": "${AWS::StackName}-survey-answers" })
    );
    for id in ["DeliveryFunction", "ApiFunction"] {
        let variables = &resources[id]["Properties"]["Environment"]["Variables"];
        assert_eq!(variables["KIZUNA_SURVEY_ANSWERS_TABLE"], json!({ "Ref": "SurveyAnswersTable" }), "{id}");
    }
    let functions: Vec<(&String, &Value)> =
        resources.iter().filter(|(_, r)| r["Type"] == "AWS::Serverless::Function").collect();
    assert_eq!(functions.len(), 5, "delivery, API, SES-events, LINE webhook and reports functions");
    for (id, function) in functions {
        let variables = &function["Properties"]["Environment"]["Variables"];
        assert_eq!(variables["KIZUNA_SUBSCRIPTIONS_TABLE"], json!({ "Ref": "SubscriptionsTable" }), "{id}");
        assert_eq!(variables["KIZUNA_DELIVERIES_TABLE"], json!({ "Ref": "DeliveriesTable" }), "{id}");
        if id == "ReportsFunction" {
            // Reports read counters and schedules only: no secret, and they go to the private bucket.
            assert!(
                variables.get("KIZUNA_LINK_SECRET_ARN").is_none()
                    && variables.get("KIZUNA_EMAIL_HASH_KEY_ARN").is_none()
            );
            assert_eq!(variables["KIZUNA_REPORTS"], json!({ "Fn::Sub": "s3://${ReportsBucket}/reports/" }));
            continue;
        }
        assert_eq!(variables["KIZUNA_LINK_SECRET_ARN"], json!({ "Ref": "LinkSecret" }), "{id}");
        assert_eq!(variables["KIZUNA_EMAIL_HASH_KEY_ARN"], json!({ "Ref": "EmailHashKey" }), "{id}");
    }
}

#[test]
fn functions_build_the_fixed_binaries_with_cargo_lambda() {
    let template = template();
    let mut binaries = Vec::new();
    for (id, function) in resources(&template).iter().filter(|(_, r)| r["Type"] == "AWS::Serverless::Function") {
        assert_eq!(function["Metadata"]["BuildMethod"], "rust-cargolambda", "{id}");
        let binary = function["Metadata"]["BuildProperties"]["Binary"].as_str().expect("Binary").to_owned();
        let source = repo_root().join(format!("sender-lambda/src/bin/{binary}.rs"));
        assert!(source.is_file(), "{id} builds {binary}, but {} does not exist", source.display());
        binaries.push(binary);
    }
    binaries.sort();
    assert_eq!(
        binaries,
        ["api-lambda", "delivery-lambda", "line-webhook-lambda", "reports-lambda", "ses-events-lambda"]
    );
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"], json!(["x86_64"]));
    assert_eq!(globals["Handler"], "bootstrap");
}

fn strings<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => found.push(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, found)),
        Value::Object(object) => object.values().for_each(|v| strings(v, found)),
        _ => {}
    }
}

#[test]
fn every_index_a_policy_names_exists() {
    let template = template();
    let indexes: Vec<String> =
        subscriptions_table("any").global_secondary_indexes.into_iter().map(|index| index.index_name).collect();
    let mut all = Vec::new();
    strings(&template["Resources"], &mut all);
    let named: Vec<&str> = all.iter().filter_map(|s| s.strip_prefix("${SubscriptionsTable.Arn}/index/")).collect();
    assert!(named.contains(&"by_anchor"), "the delivery role reads by_anchor");
    for index in named {
        assert!(indexes.iter().any(|i| i == index), "a policy names index {index}, which the table does not have");
    }
    assert!(!all.iter().any(|s| s.contains("${DeliveriesTable.Arn}/index/")), "the deliveries table has no index");
}

#[test]
fn the_api_answers_only_requests_that_came_through_cloudfront() {
    let template = template();
    let resources = &template["Resources"];
    let origins = resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"].as_array().expect("origins");
    let api = origins.iter().find(|origin| origin["Id"] == "api").expect("the api origin");
    let [header] = api["OriginCustomHeaders"].as_array().expect("origin headers").as_slice() else {
        panic!("one origin header: {api}")
    };
    assert!(
        header["HeaderName"]
            .as_str()
            .is_some_and(|name| name.eq_ignore_ascii_case(kizuna_sender::http::ORIGIN_VERIFY_HEADER)),
        "{header}"
    );
    assert_eq!(
        header["HeaderValue"],
        json!({ "Fn::Sub": "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}" })
    );
    let variables = &resources["ApiFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(variables["KIZUNA_ORIGIN_VERIFY_ARN"], json!({ "Ref": "OriginVerifySecret" }));
    // Only the API's role reads the origin secret.
    for (id, resource) in resources.as_object().expect("resources") {
        if resource["Type"] != "AWS::IAM::Role" {
            continue;
        }
        let mut refs = Vec::new();
        collect_refs(&resource["Properties"], &mut refs);
        assert_eq!(refs.contains(&"OriginVerifySecret"), id == "ApiRole", "{id}");
    }
}

fn collect_refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        Value::Object(object) => {
            if let Some(Value::String(name)) = object.get("Ref") {
                found.push(name);
            }
            object.values().for_each(|v| collect_refs(v, found));
        }
        _ => {}
    }
}

#[test]
fn monthly_reports_go_to_the_private_bucket_only() {
    let template = template();
    let resources = &template["Resources"];
    let schedule = &resources["MonthlyReportsSchedule"]["Properties"];
    assert_eq!(schedule["ScheduleExpression"], "cron(0 6 1 * ? *)");
    assert_eq!(schedule["ScheduleExpressionTimezone"], "Asia/Tokyo");
    assert_eq!(schedule["Target"]["Arn"], json!({ "Fn::GetAtt": ["ReportsFunction", "Arn"] }));
    let block = &resources["ReportsBucket"]["Properties"]["PublicAccessBlockConfiguration"];
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[setting], true, "{setting}");
    }
    let statements = resources["ReportsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    for statement in statements {
        let actions = match &statement["Action"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            other => panic!("action {other}"),
        };
        assert!(actions.iter().all(|a| !a.starts_with("secretsmanager:") && !a.starts_with("ses:")), "{statement}");
        assert!(!actions.contains(&"dynamodb:Scan"), "reports never Scan");
        if actions.contains(&"s3:PutObject") {
            assert_eq!(statement["Resource"], json!({ "Fn::Sub": "${ReportsBucket.Arn}/reports/*" }));
        }
        if actions.iter().any(|a| a.starts_with("dynamodb:")) {
            assert_eq!(actions, ["dynamodb:Query"], "counters and survey answers are only read");
            let tables = [
                json!({ "Fn::GetAtt": ["DeliveriesTable", "Arn"] }),
                json!({ "Fn::GetAtt": ["SurveyAnswersTable", "Arn"] }),
            ];
            assert!(tables.contains(&statement["Resource"]), "{statement}");
        }
    }
    // No other role writes to the reports bucket, and the reports role reads nothing of subscribers.
    let mut refs = Vec::new();
    collect_refs(&resources["ReportsRole"]["Properties"], &mut refs);
    assert!(!refs.contains(&"SubscriptionsTable"), "{refs:?}");
}
