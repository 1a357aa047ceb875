//! The published site in moto's S3, as the tests that read a build from a bucket need it: a fresh
//! bucket in ap-northeast-1, and a directory uploaded as build `b1` with the `current.json`
//! pointer `kizuna publish` writes beside it.

use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use kizuna_sender::adapters::site::s3_client;

use super::moto::unique;

/// A fresh bucket named after `prefix`, and the client that made it.
pub async fn bucket(config: &aws_config::SdkConfig, prefix: &str) -> (aws_sdk_s3::Client, String) {
    let s3 = s3_client(config);
    let bucket = unique(prefix);
    // Outside us-east-1, S3 refuses a bucket without its location.
    let location =
        CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::ApNortheast1).build();
    s3.create_bucket().bucket(&bucket).create_bucket_configuration(location).send().await.expect("bucket");
    (s3, bucket)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Uploads every file under `root` as build `b1` under `prefix` (`<prefix>builds/b1/…`) and points
/// `<prefix>current.json` at it.
pub async fn publish(s3: &aws_sdk_s3::Client, bucket: &str, root: &Path, prefix: &str) {
    let mut paths = Vec::new();
    files(root, &mut paths);
    for path in paths {
        let relative = path.strip_prefix(root).expect("inside").to_string_lossy().replace('\\', "/");
        let body = ByteStream::from(std::fs::read(&path).expect("read"));
        let key = format!("{prefix}builds/b1/{relative}");
        s3.put_object().bucket(bucket).key(key).body(body).send().await.expect("put object");
    }
    let pointer = serde_json::json!({ "schema": "kizuna-current/1", "build": "b1", "prefix": "builds/b1/" });
    s3.put_object()
        .bucket(bucket)
        .key(format!("{prefix}current.json"))
        .body(ByteStream::from(pointer.to_string().into_bytes()))
        .send()
        .await
        .expect("pointer");
}
