//! The mail payloads of one municipality (DESIGN.md §5): one section file per message and local
//! item (`mail/sections/<id>.json`, hashed for `schedule.json`), the shell every daily mail is
//! framed in (`mail/shell.json`) and the transactional mails (`mail/system/<kind>.json`).

use std::collections::BTreeMap;

use kizuna_schedule::{MailFrame, MailSection, SystemMail};
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::{json_bytes, local_path, message_path, render_template, OutputFile, RenderError, Renderer, Texts};
use crate::placeholders::{self, Values};

/// The shell's path, relative to the municipality's root.
pub(super) const SHELL_PATH: &str = "mail/shell.json";

/// A section file's path, relative to the municipality's root.
pub(super) fn section_path(id: &str) -> String {
    format!("mail/sections/{id}.json")
}

/// A transactional mail's path, relative to the municipality's root.
pub(super) fn system_path(kind: SystemMail) -> String {
    format!("mail/system/{}.json", kind.as_str())
}

/// The mail files and the hash of each section file, by its path below the municipality.
pub(super) struct MailOutput {
    pub(super) files: Vec<OutputFile>,
    pub(super) hashes: BTreeMap<String, String>,
}

/// A message or local item as a mail section (`section`); a local item has a category instead
/// of a label, and no partner part.
#[derive(Serialize)]
struct MailSectionView<'a> {
    local: bool,
    label: Option<String>,
    category: Option<&'a str>,
    title: &'a str,
    body_html: &'a str,
    body_text: &'a str,
    to_partner_html: Option<&'a str>,
    to_partner_text: Option<&'a str>,
    url: String,
}

/// A transactional mail's text with the municipality's values filled in (`mail`).
#[derive(Serialize)]
struct SystemMailView<'a> {
    subject: &'a str,
    paragraphs: Vec<String>,
    action: Option<&'a str>,
}

impl Renderer<'_> {
    pub(super) fn mail_parts(&self) -> Result<MailOutput, RenderError> {
        let message_sections: Result<Vec<OutputFile>, RenderError> = self
            .edition
            .messages
            .par_iter()
            .zip(&self.message_texts)
            .map(|(message, texts)| {
                let view = MailSectionView {
                    local: false,
                    label: Some(message.rule.long_label()),
                    category: None,
                    to_partner_html: texts.partner_mail_html.as_deref(),
                    to_partner_text: texts.partner_text.as_deref(),
                    ..self.section_body(&message.title, texts, &message_path(message))
                };
                self.section_file(&message.id, &view)
            })
            .collect();
        let mut files = message_sections?;
        for (item, texts) in self.edition.local.iter().zip(&self.local_texts) {
            let view = MailSectionView {
                local: true,
                category: Some(&item.category),
                ..self.section_body(&item.title, texts, &local_path(item))
            };
            files.push(self.section_file(&item.id, &view)?);
        }
        let prefix = format!("{}/", self.edition.id);
        let hashes: BTreeMap<String, String> = files
            .iter()
            .map(|f| (f.path.trim_start_matches(&prefix).to_owned(), kizuna_schedule::content_hash(&f.bytes)))
            .collect();
        files.push(self.shell()?);
        files.extend(self.system_mails()?);
        Ok(MailOutput { files, hashes })
    }

    /// What every section shows: its title, body and link to its page (`path`).
    fn section_body<'t>(&self, title: &'t str, texts: &'t Texts, path: &str) -> MailSectionView<'t> {
        MailSectionView {
            local: false,
            label: None,
            category: None,
            title,
            body_html: &texts.mail_html,
            body_text: &texts.text,
            to_partner_html: None,
            to_partner_text: None,
            url: self.url(path),
        }
    }

    fn section_file(&self, id: &str, view: &MailSectionView<'_>) -> Result<OutputFile, RenderError> {
        let tera = &self.build.theme.tera;
        let path = format!("{}/{}", self.edition.id, section_path(id));
        let mut context = self.base.clone();
        context.insert("section", view);
        let render = |template| -> Result<String, RenderError> {
            Ok(String::from_utf8_lossy(&render_template(tera, template, &context, &path)?).trim().to_owned())
        };
        let section = MailSection {
            title: view.title.to_owned(),
            html: render("mail/section.html")?,
            text: render("mail/section.txt")?,
        };
        Ok(OutputFile { bytes: json_bytes(&section, &path)?, path })
    }

    /// A mail frame rendered from `<template>.html` and `<template>.txt`.
    fn frame(
        &self,
        path: String,
        subject: String,
        template: &str,
        context: &Context,
    ) -> Result<OutputFile, RenderError> {
        let tera = &self.build.theme.tera;
        let render = |extension: &str| -> Result<String, RenderError> {
            let bytes = render_template(tera, &format!("{template}.{extension}"), context, &path)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        };
        let frame = MailFrame { subject, html: render("html")?, text: render("txt")? };
        Ok(OutputFile { bytes: json_bytes(&frame, &path)?, path })
    }

    fn shell(&self) -> Result<OutputFile, RenderError> {
        self.frame(format!("{}/{SHELL_PATH}", self.edition.id), String::new(), "mail/shell", &self.base)
    }

    /// The transactional mails the theme has texts for.
    fn system_mails(&self) -> Result<Vec<OutputFile>, RenderError> {
        let edition = self.edition;
        let values = Values::of(&edition.name, &edition.service_name, &edition.contact);
        let mut files = Vec::new();
        for kind in SystemMail::ALL {
            let Some(text) = self.build.theme.system_mails.get(kind.as_str()) else { continue };
            let subject = placeholders::fill(&text.subject, &values);
            let view = SystemMailView {
                subject: &subject,
                paragraphs: text.paragraphs.iter().map(|p| placeholders::fill(p, &values)).collect(),
                action: text.action.as_deref(),
            };
            let mut context = self.base.clone();
            context.insert("mail", &view);
            let path = format!("{}/{}", edition.id, system_path(kind));
            files.push(self.frame(path, subject.clone(), "mail/system", &context)?);
        }
        Ok(files)
    }
}
