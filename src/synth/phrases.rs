//! Phrase bank, part 2: the tone-dependent pieces of ticket texts. Every table is indexed
//! by tone, `0` = furious, `1` = frustrated, `2` = neutral, `3` = satisfied,
//! `4` = delighted, so the words a sentiment model can pick up really follow the
//! customer's mood. `{area}` and `{n}` are filled in by `text`.

/// Number of tone levels.
pub(crate) const TONES: usize = 5;

/// Greetings (furious customers often skip them).
pub(crate) const GREETINGS: [&[&str]; TONES] = [
    &["Hello,", "To whom it may concern,", "Support,"],
    &["Hi,", "Hello,", "Hi team,", "Hello again,", "Hi support,"],
    &[
        "Hi team,",
        "Hello,",
        "Hi there,",
        "Good morning,",
        "Dear support team,",
        "Hi all,",
    ],
    &[
        "Hi team,",
        "Hi there,",
        "Good morning,",
        "Hello,",
        "Good afternoon,",
        "Hey folks,",
    ],
    &[
        "Hi team!",
        "Hello there!",
        "Hey folks,",
        "Good morning!",
        "Hi all,",
        "Hey there!",
    ],
];

/// Opening sentences.
pub(crate) const OPENERS: [&[&str]; TONES] = [
    &[
        "This is the third time I am writing about this and nobody has fixed it.",
        "I am extremely disappointed with the service we are getting.",
        "Frankly, this is unacceptable.",
        "We are completely fed up.",
        "I have lost all patience with this issue.",
        "Once again your product has let us down.",
        "I cannot believe we are still dealing with this.",
        "This is a disaster for our team.",
        "Your support has been useless so far.",
        "We were promised a fix {n} days ago and nothing has happened.",
    ],
    &[
        "We are running into the same problem again.",
        "Unfortunately this is still not working for us.",
        "I am a bit frustrated because we reported this before.",
        "This has been causing us a lot of trouble.",
        "Sorry to chase, but we really need help here.",
        "We are getting quite annoyed by this.",
        "Not great news on our side, I am afraid.",
        "We had hoped this would be resolved by now.",
        "This is the second week we are struggling with this.",
    ],
    &[
        "I wanted to report something we noticed.",
        "Quick note about an issue we found.",
        "We have a question for your team.",
        "Reaching out about the following.",
        "We noticed the behaviour below today.",
        "Logging this so you have it on record.",
        "Here are the details of what we see.",
        "Following up on our last conversation.",
        "A colleague asked me to raise this.",
    ],
    &[
        "Thanks for the quick help last time.",
        "Overall things are going well on our side.",
        "The team is getting good value out of the product.",
        "Appreciate the support so far.",
        "Things have been running smoothly lately.",
        "Thanks again for the great onboarding.",
        "We are happy with the recent improvements.",
        "Hope you are doing well.",
    ],
    &[
        "First of all, we love the new release!",
        "Your team has been fantastic, thank you.",
        "The product has made a huge difference for us.",
        "Absolutely loving the latest update.",
        "Everyone here is thrilled with how things are going.",
        "Big thanks, the new features are brilliant.",
        "You folks are awesome.",
        "Rolling this out to {n} more teams has been a fantastic success.",
    ],
];

/// Business impact of a problem (used by the three most negative tones).
pub(crate) const IMPACTS: [&str; 12] = [
    "Our finance team cannot close the month without this.",
    "Around {n}0 people are blocked right now.",
    "This is holding up a customer launch.",
    "Our leadership is asking why we pay for a tool that does not work.",
    "We had to go back to spreadsheets in the meantime.",
    "This delays our quarterly reporting.",
    "Our own customers are noticing the problem.",
    "We are losing several hours of work every day.",
    "The team has stopped using the feature because of this.",
    "This blocks the rollout to the rest of the company.",
    "It has already happened {n} times this week.",
    "Our operations team is working around it manually.",
];

/// Closing remarks that carry most of the sentiment.
pub(crate) const CLOSERS: [&[&str]; TONES] = [
    &[
        "If this is not fixed this week we will have to reconsider our contract.",
        "We expect a call from your management today.",
        "Honestly, we are evaluating other vendors.",
        "This is not what we are paying for.",
        "Please escalate this immediately.",
        "I want to speak to someone senior about this.",
        "We will not renew if this continues.",
        "This is the worst support experience we have had with any vendor.",
    ],
    &[
        "We would appreciate a faster response this time.",
        "Please treat this as a priority.",
        "Hoping for a proper fix rather than a workaround.",
        "We are running out of patience.",
        "Please do not close this ticket without a real answer.",
        "Our team is losing confidence in the product.",
    ],
    &[
        "Let me know if you need more information.",
        "Happy to share screenshots if that helps.",
        "Logs are attached.",
        "We can reproduce it consistently.",
        "Thanks for looking into it.",
        "The workspace ID is in the header of this message.",
    ],
    &[
        "No rush, whenever you get a chance.",
        "Thanks in advance, you have always been helpful.",
        "Appreciate your help as always.",
        "Not urgent, just wanted to flag it.",
        "Otherwise everything works great.",
    ],
    &[
        "Keep up the amazing work!",
        "Thanks a million, you are the best.",
        "We are recommending you to our partners.",
        "Cannot wait to see what comes next.",
        "Really great job, team.",
        "Honestly the best tool we have bought in years.",
    ],
];

/// What the customer asks for.
pub(crate) const ASKS: [&[&str]; TONES] = [
    &[
        "Fix it now.",
        "We need an answer today, not next week.",
        "Call me as soon as you read this.",
        "Escalate this to engineering right away.",
        "I expect a written explanation of what went wrong.",
    ],
    &[
        "Can someone please look at this today?",
        "When can we expect a fix?",
        "Could you give us an ETA?",
        "Can you please prioritise this?",
        "Can we get a call to go through it?",
    ],
    &[
        "Could you take a look?",
        "Can you advise on next steps?",
        "Could you confirm whether this is expected?",
        "What do you recommend?",
        "Is there a known workaround?",
    ],
    &[
        "Could you help us with this when you have time?",
        "Would you mind checking this for us?",
        "Any pointers would be welcome.",
        "Let us know what you think.",
    ],
    &[
        "Would love your advice on this!",
        "Any tips would be greatly appreciated!",
        "Could you share the best way to do this?",
        "Happy to be a beta tester if that helps!",
    ],
];

/// Sign-offs (followed by the contact's first name when known).
pub(crate) const SIGNOFFS: [&[&str]; TONES] = [
    &["Regards,", "Waiting for your answer,", ""],
    &["Thanks,", "Regards,", "Best,"],
    &[
        "Thanks,",
        "Best,",
        "Kind regards,",
        "Best regards,",
        "Many thanks,",
        "Thank you,",
    ],
    &["Thanks!", "Cheers,", "Best,", "Many thanks,", "Kind regards,"],
    &["Cheers!", "Thanks so much,", "All the best,", "With gratitude,"],
];

/// Subject prefixes and suffixes per tone (`""` = none).
pub(crate) const SUBJECT_PREFIX: [&[&str]; TONES] = [
    &[
        "URGENT: ",
        "Still broken: ",
        "ESCALATION: ",
        "Unacceptable - ",
        "",
        "CRITICAL: ",
    ],
    &["Re: ", "Still not fixed: ", "", "", "Again: "],
    &["", "", "", "Question: "],
    &["", "", "Quick question: "],
    &["", "Quick question: ", "Small request: "],
];

/// Subject suffixes per tone.
pub(crate) const SUBJECT_SUFFIX: [&[&str]; TONES] = [
    &["!!!", " (again!)", " - third time", "", " - need answer today"],
    &[" - follow up", " - second request", "", "", " (still happening)"],
    &["", "", ""],
    &["", "", " - thanks"],
    &["", " :)", " - thank you!"],
];

/// Sentences of praise or thanks for tickets that are not problem reports.
pub(crate) const PRAISE: [&str; 8] = [
    "The new {area} saves us a lot of time.",
    "Our managers love the {area}.",
    "Setting up the {area} was easier than expected.",
    "The {area} has become part of our daily routine.",
    "Your last fix to the {area} made a real difference.",
    "The team keeps asking for more features like the {area}.",
    "Since we started using the {area} our reporting takes half the time.",
    "Thanks for the webinar on the {area}, very helpful.",
];

/// Asks of how-to questions and requests (calm tones).
pub(crate) const QUESTION_ASKS: [&str; 6] = [
    "Could you point us to the right documentation?",
    "Any guidance is appreciated.",
    "Happy to jump on a call if that is easier.",
    "Is this possible today, or is it on the roadmap?",
    "What would you recommend for a team of our size?",
    "Could you share an example?",
];

/// Closing lines of how-to questions and requests (calm tones).
pub(crate) const QUESTION_CLOSERS: [&str; 6] = [
    "Thanks for your help.",
    "Let me know if you need more context.",
    "Thanks in advance.",
    "Much appreciated.",
    "No rush on this one.",
    "Thank you!",
];
