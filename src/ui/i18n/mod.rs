//! Every UI string in English and Simplified Chinese, through Project Fluent (`fluent-bundle`): the
//! messages live in `assets/i18n/{en,zh-Hans}.ftl`, compiled in, with plural rules per language.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::model::SlaTarget;
use crate::model::{Category, Grade, Priority, Status};

/// A UI language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

impl Lang {
    /// Every language, in menu order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// Stable code stored in settings.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// Picks the language for a POSIX or BCP-47 locale such as `zh_CN.UTF-8` or `en-US`.
    pub fn from_locale(locale: &str) -> Self {
        if locale.trim().to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En }
    }

    /// The language's own name, for the settings menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
        }
    }
}

/// The English messages (Project Fluent syntax), compiled in.
const EN_FTL: &str = include_str!("../../../assets/i18n/en.ftl");
/// The Simplified Chinese messages (Project Fluent syntax), compiled in.
const ZH_FTL: &str = include_str!("../../../assets/i18n/zh-Hans.ftl");

impl Lang {
    /// The Fluent source of this language's messages.
    fn fluent_source(self) -> &'static str {
        match self {
            Lang::En => EN_FTL,
            Lang::Zh => ZH_FTL,
        }
    }

    /// The BCP-47 language identifier whose plural rules apply.
    fn fluent_locale(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    /// The message bundle of this language, parsed once.
    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] = [OnceLock::new(), OnceLock::new()];
        BUNDLES[self as usize].get_or_init(|| {
            let locale: LanguageIdentifier = self.fluent_locale().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![locale]);
            bundle.set_use_isolating(false);
            // Syntax errors and duplicate ids are caught by the tests; whatever parsed is still used.
            let resource =
                FluentResource::try_new(self.fluent_source().to_owned()).unwrap_or_else(|(resource, _errors)| resource);
            bundle.add_resource_overriding(resource);
            bundle
        })
    }

    /// Formats message `id` with `args`, or `None` when the message is missing or any part fails.
    fn format(self, id: &str, args: &FluentArgs<'_>) -> Option<String> {
        let bundle = self.bundle();
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }
}

/// The largest integer an `f64` (Fluent's number type) holds exactly.
const MAX_EXACT_INTEGER: i64 = 1 << 53;

/// An argument as a Fluent value: an integer written canonically (`7`, `-3`, not `007` or `+3`)
/// becomes a number so plural selectors work; anything else stays text, unchanged.
fn fluent_value(arg: &str) -> FluentValue<'_> {
    match arg.parse::<i64>() {
        Ok(number) if number.abs() <= MAX_EXACT_INTEGER && number.to_string() == arg => FluentValue::from(number),
        _ => FluentValue::from(arg),
    }
}

macro_rules! texts {
    ($($key:ident => $id:literal;)+) => {
        /// A translatable UI string: one message of `assets/i18n/*.ftl`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Text { $(#[doc = concat!("Fluent message `", $id, "`.")] $key),+ }

        impl Text {
            /// Every string, for completeness tests.
            pub const ALL: &'static [Text] = &[$(Text::$key),+];

            /// The Fluent message id.
            pub fn id(self) -> &'static str {
                match self { $(Text::$key => $id),+ }
            }
        }
    };
}

mod domain;
mod keys;
#[cfg(test)]
mod tests;

pub use domain::{
    capture_error_text, category_text, default_phrases, field_text, grade_text, priority_text, sla_texts,
    source_label_text, status_text,
};
pub use keys::Text;

impl Text {
    /// The message in `lang` without arguments (formatted once, then cached).
    pub fn get(self, lang: Lang) -> &'static str {
        static CACHE: OnceLock<Vec<OnceLock<&'static str>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| (0..Text::ALL.len() * Lang::ALL.len()).map(|_| OnceLock::new()).collect());
        match cache.get(self as usize * Lang::ALL.len() + lang as usize) {
            // Leaked once per (text, language): bounded by the number of messages.
            Some(cell) => cell.get_or_init(|| Box::leak(self.fill(lang, &[]).into_boxed_str())),
            None => self.id(),
        }
    }

    /// The message in `lang` with `args` as `$arg1`, `$arg2`, … in order. Never fails: a message
    /// that cannot be formatted falls back to English, then to its id.
    pub fn fill(self, lang: Lang, args: &[&str]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (index, arg) in args.iter().enumerate() {
            fluent_args.set(format!("arg{}", index + 1), fluent_value(arg));
        }
        lang.format(self.id(), &fluent_args)
            .or_else(|| Lang::En.format(self.id(), &fluent_args))
            .unwrap_or_else(|| self.id().to_owned())
    }
}
