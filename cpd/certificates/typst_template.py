"""The Typst source of the certificate page.

Kept as a Python constant (not a .typ file) so it ships with the package without
package-data configuration. It reads every value from ``sys.inputs.data`` (JSON)
and never evaluates user text as markup: a string placed in content prints
literally, so a name like ``#set page(fill: red)`` or ``*x*`` is just text.
"""

TEMPLATE = r"""
#let d = json(bytes(sys.inputs.data))
#let c = d.colours
#let muted(body) = text(fill: rgb(c.muted), body)

#set document(title: d.doc_title, author: d.provider, keywords: d.keywords)
// The border is page background, not a box around the content: content that
// does not fit then flows onto a second page, which pdf.py detects and refuses,
// instead of being clipped silently.
#set page(
  paper: "a4",
  flipped: true,
  margin: (x: 2.2cm, y: 1.7cm),
  fill: rgb(c.background),
  background: pad(1.1cm, rect(width: 100%, height: 100%, stroke: 2.5pt + rgb(c.primary))),
)
#set text(font: d.fonts, size: 10pt, fill: rgb(c.text), lang: d.lang)
#set par(leading: 0.55em)
#show heading.where(level: 1): it => text(size: 26pt, weight: "regular", fill: rgb(c.primary), it.body)

#pdf.attach(
  "certificate.json",
  bytes(sys.inputs.bundle),
  mime-type: "application/json",
  description: "Signed certificate record (Ed25519); verify offline with the issuer's public key",
  relationship: "data",
)

  #rect(width: 100%, height: 0pt, stroke: (top: 1.2pt + rgb(c.accent)))
  #v(-0.3cm)
  #align(center)[
    #text(size: 10pt, tracking: 0.12em, fill: rgb(c.muted), upper(d.provider))
    #v(0.1cm)
    #heading(level: 1, d.wording.title)
    #v(0.05cm)
    #muted(d.wording.intro)
    #v(0.05cm)
    #text(size: 24pt, fill: rgb(c.text), d.name)
    #if d.registration != none {
      v(0.2cm)
      block[#muted[Professional registration number: ]#d.registration]
    }
    #v(0.05cm)
    #muted(d.wording.completed)
    #v(0.05cm)
    #text(size: 15pt, fill: rgb(c.primary), d.activity)
  ]
  #v(0.15cm)
  #grid(
    columns: (auto, 1fr, auto, 1fr),
    column-gutter: 0.4cm,
    row-gutter: 0.22cm,
    muted[Format], d.format_line,
    muted[Completed], d.completion,
    muted[CPD hours], d.hours,
    muted[Score / pass mark], d.score_line,
    muted[Valid until], d.valid_until,
    muted[Module], d.module_line,
  )
  #v(0.15cm)
  #if d.objectives.len() > 0 [
    #muted[Learning objectives]
    #set text(size: 8.5pt)
    #list(tight: true, ..d.objectives)
  ]
  #v(1fr)
  #grid(
    columns: (1fr, auto),
    column-gutter: 0.8cm,
    align: (left + bottom, center + bottom),
    [
      #text(size: 8pt, fill: rgb(c.muted), d.accreditation)
      #v(0.35cm)
      #line(length: 6.5cm, stroke: 0.6pt + rgb(c.text))
      #d.signatory.name \
      #muted(d.signatory.role) \
      #v(0.1cm)
      #text(size: 7.5pt, fill: rgb(c.muted))[Certificate ID: #d.certificate_id #h(0.3em) (#d.version_line) #h(0.3em) Issued: #d.issued]
    ],
    [
      #box(fill: white, inset: 4pt, image(bytes(sys.inputs.qr), format: "svg", width: 3.1cm, alt: d.qr_alt))
      #linebreak()
      #text(size: 7pt, fill: rgb(c.muted))[Scan to verify] \
      #text(size: 6.5pt, fill: rgb(c.muted), d.verify_url)
    ],
  )
"""
