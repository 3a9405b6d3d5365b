//! What every view gets while it draws: the language, the frame's clock reading, and the one
//! place its intents go. Views emit commands through [`ViewContext::emit`] and never return or
//! thread command lists of their own.

use super::i18n::{Lang, Text};

/// The drawing context of the views: language, clock and the command queue of this frame.
/// `C` is the command type of the window (the console's [`super::UiCommand`], the Get-help
/// window's [`super::AssistCommand`]).
pub struct ViewContext<'a, C> {
    /// The language the views speak.
    pub lang: Lang,
    /// Now, unix ms: one clock reading for the whole frame, so every countdown agrees.
    pub now_ms: i64,
    commands: &'a mut Vec<C>,
}

impl<'a, C> ViewContext<'a, C> {
    /// A context queueing into `commands`.
    pub fn new(lang: Lang, now_ms: i64, commands: &'a mut Vec<C>) -> Self {
        Self { lang, now_ms, commands }
    }

    /// Queues an intent; the app carries it out at the start of the next frame.
    pub fn emit(&mut self, command: impl Into<C>) {
        self.commands.push(command.into());
    }

    /// The text of `key` in the context's language.
    pub fn text(&self, key: Text) -> &'static str {
        key.get(self.lang)
    }

    /// How many intents are queued: a mark for [`ViewContext::emitted_since`].
    pub fn queued(&self) -> usize {
        self.commands.len()
    }

    /// The intents queued after `mark` (what a sub-view asked for while it drew).
    pub fn emitted_since(&self, mark: usize) -> &[C] {
        self.commands.get(mark..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TicketId;
    use crate::ui::{DialogCommand, StoreCommand, UiCommand};

    #[test]
    fn emitted_intents_arrive_in_order_wrapped_for_their_destination() {
        let mut queue: Vec<UiCommand> = Vec::new();
        let mut cx = ViewContext::new(Lang::Zh, 42, &mut queue);
        cx.emit(StoreCommand::OpenTicket(TicketId(7)));
        cx.emit(DialogCommand::Import);
        assert_eq!(cx.queued(), 2);
        assert_eq!(cx.emitted_since(1), [UiCommand::Dialog(DialogCommand::Import)]);
        assert!(cx.emitted_since(5).is_empty(), "a mark past the end is nothing new, not a panic");
        assert_eq!(cx.text(Text::Details), Text::Details.get(Lang::Zh));
        assert_eq!(
            queue,
            vec![UiCommand::Store(StoreCommand::OpenTicket(TicketId(7))), UiCommand::Dialog(DialogCommand::Import)]
        );
    }
}
