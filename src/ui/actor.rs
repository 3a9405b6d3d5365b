//! Who did something, as the timeline and the chat show it: the engineer by name, the system in
//! plain words, and the user only as their own claim ("User (says: …)", in its own colour and
//! italics), because a name a peer sends proves nothing. A user calling themselves "Eng Attack"
//! never looks like an engineer's entry.

use egui::RichText;

use crate::model::ActorKind;

use super::i18n::{Lang, Text};
use super::theme;

/// Longest claimed name shown, characters.
pub const MAX_CLAIMED_NAME_CHARS: usize = 40;

/// A name a peer sent, made safe to show: no control, direction-override or zero-width
/// characters (which could reorder or hide text around it), trimmed, at most
/// [`MAX_CLAIMED_NAME_CHARS`].
pub fn claimed_name(name: &str) -> String {
    let hidden = |ch: char| {
        ch.is_control()
            || matches!(ch, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            || matches!(ch, '\u{061C}' | '\u{FEFF}')
    };
    let clean: String = name.chars().filter(|ch| !hidden(*ch)).collect();
    let clean = clean.trim();
    if clean.chars().count() > MAX_CLAIMED_NAME_CHARS {
        let mut cut: String = clean.chars().take(MAX_CLAIMED_NAME_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        clean.to_owned()
    }
}

/// "User (says: NAME)", or "User" when the peer sent no name or only the word "user" itself
/// (a login called `user`, or an older Get-help window's stand-in), in either language.
pub fn user_claim(name: &str, lang: Lang) -> String {
    let name = claimed_name(name);
    let generic = Lang::ALL.iter().any(|of| name.to_lowercase() == Text::ActorUser.get(*of).to_lowercase());
    if name.is_empty() || generic {
        Text::ActorUser.get(lang).to_owned()
    } else {
        Text::ActorUserClaim.fill(lang, &[&name])
    }
}

/// The words for an actor.
pub fn actor_text(kind: ActorKind, name: &str, lang: Lang) -> String {
    match kind {
        ActorKind::Engineer => name.to_owned(),
        ActorKind::User => user_claim(name, lang),
        ActorKind::System => Text::ActorSystem.get(lang).to_owned(),
    }
}

/// The actor as a label: the engineer strong, the user's claim in its own colour and italics,
/// the system italic.
pub fn actor_label(kind: ActorKind, name: &str, lang: Lang) -> RichText {
    let text = RichText::new(actor_text(kind, name, lang));
    match kind {
        ActorKind::Engineer => text.strong(),
        ActorKind::User => text.italics().color(theme::USER_CLAIM),
        ActorKind::System => text.italics(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_named_like_an_engineer_is_shown_as_a_claim() {
        let engineer = actor_text(ActorKind::Engineer, "Eng Attack", Lang::En);
        let user = actor_text(ActorKind::User, "Eng Attack", Lang::En);
        assert_eq!(engineer, "Eng Attack");
        assert_eq!(user, "User (says: Eng Attack)");
        assert_eq!(actor_text(ActorKind::User, "Eng Attack", Lang::Zh), "用户（自称：Eng Attack）");
        assert_eq!(actor_text(ActorKind::User, "", Lang::En), "User");
        assert_eq!(actor_text(ActorKind::System, "system", Lang::Zh), "系统");
    }

    #[test]
    fn a_user_called_user_is_just_the_user() {
        assert_eq!(actor_text(ActorKind::User, "user", Lang::En), "User");
        assert_eq!(actor_text(ActorKind::User, "User", Lang::Zh), "用户");
        assert_eq!(actor_text(ActorKind::User, " 用户 ", Lang::En), "User");
        assert_eq!(actor_text(ActorKind::User, "Users", Lang::En), "User (says: Users)");
    }

    #[test]
    fn claimed_names_lose_hidden_characters_and_length() {
        assert_eq!(claimed_name("Eng\u{202E}kcattA\n"), "EngkcattA");
        assert_eq!(claimed_name("  \u{200B} "), "");
        let long = "x".repeat(100);
        assert_eq!(claimed_name(&long).chars().count(), MAX_CLAIMED_NAME_CHARS);
        assert!(claimed_name(&long).ends_with('…'));
    }
}
