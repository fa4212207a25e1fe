//! A GraphQL answer and the assertions tests make on it.

use serde_json::Value;

#[derive(Debug)]
pub struct GqlResponse {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Value,
}

impl GqlResponse {
    pub async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("status {status}: not JSON: {text}"));
        Self {
            status,
            request_id,
            body,
        }
    }

    /// The `data` of a successful answer; panics with the errors otherwise.
    pub fn data(&self) -> &Value {
        assert!(
            self.errors().is_empty(),
            "unexpected errors: {:#}",
            self.body
        );
        &self.body["data"]
    }

    pub fn errors(&self) -> Vec<Value> {
        self.body["errors"].as_array().cloned().unwrap_or_default()
    }

    /// The code of the first error; panics when there is none.
    pub fn error_code(&self) -> String {
        let errors = self.errors();
        assert!(!errors.is_empty(), "expected an error, got {:#}", self.body);
        errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("<no code>")
            .to_owned()
    }

    pub fn error_message(&self) -> String {
        self.errors()[0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}
