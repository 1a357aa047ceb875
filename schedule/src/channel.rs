//! The delivery channels, named once for the sender (where a subscription is delivered) and the
//! reports (the channel every count is split by): the stored id, the name staff read, and parsing.

/// How a subscription receives its messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// E-mail through SES.
    Mail,
    /// A push to a LINE user of the municipality's official account.
    Line,
}

impl Channel {
    /// Every channel, in report order.
    pub const ALL: [Channel; 2] = [Channel::Mail, Channel::Line];

    /// The stored id (subscription items, counter attributes, survey answers, tokens).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Mail => "mail",
            Channel::Line => "line",
        }
    }

    /// The name staff read.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Mail => "メール",
            Channel::Line => "LINE",
        }
    }

    /// Parses a stored id.
    pub fn parse(value: &str) -> Option<Self> {
        Channel::ALL.into_iter().find(|channel| channel.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::Channel;

    #[test]
    fn every_channel_reads_back_from_its_id() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
        }
        assert_eq!(Channel::parse("fax"), None);
    }
}
