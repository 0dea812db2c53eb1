//! Whose comments are benchgate's: the sticky comment is found by its
//! marker, but anybody can write a marker. Only a comment written by the
//! token's own account counts, so that another user's comment — with
//! forged history rows — is never edited or believed.
//!
//! The rule:
//! - when `GET /user` names the token's account (a personal token, a
//!   GitHub App's user token), only that login's comments count;
//! - when it does not (the Actions `GITHUB_TOKEN`, an installation token:
//!   `/user` answers 403), only comments by the bot account the Actions
//!   token writes as count: login `github-actions[bot]`, type `Bot`.

use super::api::{Account, Api, Comment};

/// The login the Actions `GITHUB_TOKEN` comments as.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The account `GET /user` named.
    Account(String),
    /// `GET /user` did not answer: the Actions bot.
    ActionsBot,
}

impl Identity {
    pub async fn of(api: &Api) -> Identity {
        match api.me().await {
            Some(Account { login, .. }) if !login.is_empty() => Identity::Account(login),
            _ => Identity::ActionsBot,
        }
    }

    /// Whether `comment` was written by this identity.
    pub fn wrote(&self, comment: &Comment) -> bool {
        let Some(author) = &comment.user else {
            return false;
        };
        match self {
            Identity::Account(login) => author.login.eq_ignore_ascii_case(login),
            Identity::ActionsBot => {
                author.login == ACTIONS_BOT && author.kind.as_deref() == Some("Bot")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by(login: &str, kind: &str) -> Comment {
        Comment {
            id: 1,
            body: None,
            user: Some(Account {
                login: login.into(),
                kind: Some(kind.into()),
            }),
        }
    }

    #[test]
    fn only_the_tokens_own_comments_count() {
        let me = Identity::Account("octocat".into());
        assert!(me.wrote(&by("OctoCat", "User")));
        assert!(!me.wrote(&by("mallory", "User")));
        assert!(!me.wrote(&by(ACTIONS_BOT, "Bot")));
        let bot = Identity::ActionsBot;
        assert!(bot.wrote(&by(ACTIONS_BOT, "Bot")));
        assert!(
            !bot.wrote(&by(ACTIONS_BOT, "User")),
            "a user named like the bot"
        );
        assert!(!bot.wrote(&by("mallory", "User")));
        let anonymous = Comment {
            id: 2,
            body: None,
            user: None,
        };
        assert!(!bot.wrote(&anonymous));
    }
}
