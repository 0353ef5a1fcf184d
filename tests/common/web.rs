//! The web app as a browser without JavaScript sees it: a session cookie, forms with their
//! CSRF token read off the page, redirects not followed.

use super::Server;

/// A browser signed in with a token: the session cookie holds the token, hex-encoded.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: String,
}

impl Browser {
    pub fn new(server: &Server, token: &str) -> Browser {
        let hexed: String = token.bytes().map(|b| format!("{b:02x}")).collect();
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: server.base.clone(),
            cookie: format!("yl_session={hexed}"),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("page")
    }

    /// The form's CSRF token, read off the page as a browser would.
    pub async fn csrf(&self, path: &str) -> String {
        let page = self.get(path).await.text().await.expect("page");
        let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        page[at..at + 32].to_owned()
    }

    pub async fn post(&self, path: &str, form: &[(String, String)]) -> (u16, String) {
        let reply = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            // What a browser sends with a form of the page it shows.
            .header("origin", &self.base)
            .form(form)
            .send()
            .await
            .expect("post");
        let status = reply.status().as_u16();
        (status, reply.text().await.unwrap_or_default())
    }

    /// Uploads `bytes` as the `file` field of the page's multipart form, with its CSRF
    /// token, as a browser sends a form with a file in it.
    pub async fn upload(
        &self,
        path: &str,
        csrf: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (u16, String) {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
            );
        let reply = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("origin", &self.base)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = reply.status().as_u16();
        (status, reply.text().await.unwrap_or_default())
    }
}

pub fn field(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}
