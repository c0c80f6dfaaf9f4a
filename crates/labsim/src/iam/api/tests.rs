//! Tests of IAM's API.
