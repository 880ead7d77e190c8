"""The Typst source of the certificate page.

Kept as a Python constant (not a .typ file) so it ships with the package without
package-data configuration. It reads every value from ``sys.inputs.data`` (JSON)
and never evaluates user text as markup: a string placed in content prints
literally, so a name like ``#set page(fill: red)`` or ``*x*`` is just text.

Long inputs are fitted, not clipped: the learner's name shrinks from 24 pt (one
line) to at most two lines at a smaller size, and a workshop venue gets a line
of its own across the page. With ``sys.inputs.measure`` set, the template also
emits ``<part>`` metadata with the height of each part of the page, which
``pdf.py`` queries to say what overflowed when the page does not fit.

The basis of the award reaches the page as data (``pdf._page_data``): the title and connecting phrase
(``d.wording``) are the design's participation wording for a certificate of participation, and the
details carry "Awarded for" instead of "Score / pass mark", so such a page prints no score or pass mark.
"""

TEMPLATE = r"""
#let d = json(bytes(sys.inputs.data))
#let c = d.colours
#let muted(body) = text(fill: rgb(c.muted), body)

#set document(title: d.doc_title, author: d.provider, keywords: d.keywords)
// The border is page background, not a box around the content: content that
// does not fit then flows onto a second page, which pdf.py detects and refuses,
// instead of being clipped silently.
#let margin = (x: 2.2cm, top: 1.6cm, bottom: 1.5cm)
#set page(
  paper: "a4",
  flipped: true,
  margin: margin,
  fill: rgb(c.background),
  background: pad(1.1cm, rect(width: 100%, height: 100%, stroke: 2.5pt + rgb(c.primary))),
)
#set text(font: d.fonts, size: 10pt, fill: rgb(c.text), lang: d.lang)
#set par(leading: 0.55em)
#show heading.where(level: 1): it => text(size: 24pt, weight: "regular", fill: rgb(c.primary), it.body)

#pdf.attach(
  "certificate.json",
  bytes(sys.inputs.bundle),
  mime-type: "application/json",
  description: "Signed certificate record (Ed25519); verify offline with the issuer's public key",
  relationship: "data",
)

// The name at the largest size up to 24 pt that fits on one line; below 16 pt
// it may take two lines instead (at most 18 pt). No word may be wider than the
// line, since Typst does not break inside a word (CJK characters and hyphens
// are break points, so they split words here too).
#let name-block(name) = layout(size => {
  let full = measure(text(size: 24pt, name)).width
  let one = if full > 0pt { 24pt * (size.width / full) } else { 24pt }
  let s = if one >= 16pt { calc.min(24pt, one * 0.98) } else {
    let words = name.split(regex("[\s\-\u{2E80}-\u{9FFF}\u{AC00}-\u{D7AF}\u{F900}-\u{FAFF}\u{FF00}-\u{FFEF}]+"))
    let widest = words.fold(1pt, (acc, w) => calc.max(acc, measure(text(size: 24pt, w)).width))
    calc.min(18pt, one * 1.85, 24pt * (size.width / widest) * 0.98)
  }
  block(width: 100%, par(leading: 0.4em, text(size: s, fill: rgb(c.text), name)))
})

#let header = align(center)[
  #text(size: 10pt, tracking: 0.12em, fill: rgb(c.muted), upper(d.provider))
  #v(0.05cm)
  #heading(level: 1, d.wording.title)
  #v(0.05cm)
  #muted(d.wording.intro)
  #v(0.02cm)
  #name-block(d.name)
  #if d.profession != none or d.registration != none {
    v(0.05cm)
    text(size: 9.5pt)[
      #if d.profession != none [#muted[Profession: ]#d.profession]
      #if d.profession != none and d.registration != none [#h(0.6em)]
      #if d.registration != none [#muted[Professional registration number: ]#d.registration]
    ]
  }
  #v(0.05cm)
  #muted(d.wording.completed)
  #v(0.02cm)
  #text(size: 15pt, fill: rgb(c.primary), d.activity)
]

// Label/value pairs two to a row; a workshop's format and venue get a row of their own across the page.
#let details = grid(
  columns: (auto, 1fr, auto, 1fr),
  column-gutter: 0.4cm,
  row-gutter: 0.2cm,
  ..d.details.map(((label, value)) => (muted(label), value)).flatten(),
  ..if calc.odd(d.details.len()) { ([], []) } else { () },
  ..if d.venue_line == none {
    (muted[Format], d.format_line, [], [])
  } else {
    (muted[Format], grid.cell(colspan: 3, d.format_line))
  },
)

#let objectives = if d.objectives.len() > 0 [
  #muted[Learning objectives]
  #v(-0.15cm)
  #set text(size: 8.5pt)  // at least 8.5 pt: readable printed (tests/test_certificates_record_v2.py)
  #set par(leading: 0.45em)
  #list(tight: true, spacing: 0.5em, ..d.objectives)
]

// Three columns side by side keep the footer short: what the provider states (and who it is, how to
// reach it), the signature block, the QR code.
#let footer = grid(
  columns: (1fr, 6.5cm, auto),
  column-gutter: 0.7cm,
  align: (left + bottom, left + bottom, center + bottom),
  [
    #text(size: 8pt, fill: rgb(c.muted), d.accreditation)
    #if d.provider_contact != "" {
      linebreak()
      text(size: 8pt, fill: rgb(c.muted))[#d.provider: #d.provider_contact]
    }
    #v(0.15cm)
    #text(size: 7.5pt, fill: rgb(c.muted))[Certificate ID: #d.certificate_id #h(0.3em) (#d.version_line) #h(0.3em) Issued: #d.issued]
  ],
  [
    #if d.has_signature {
      image(bytes(sys.inputs.signature), format: "svg", height: 1.1cm, alt: "Signature of " + d.signatory.name)
      v(-0.3cm)
    }
    #line(length: 100%, stroke: 0.6pt + rgb(c.text))
    #v(-0.1cm)
    #par(leading: 0.4em)[#d.signatory.name \ #muted(d.signatory.role)]
  ],
  [
    #box(fill: white, inset: 3pt, image(bytes(sys.inputs.qr), format: "svg", width: 2.7cm, alt: d.qr_alt))
    #linebreak()
    #text(size: 7pt, fill: rgb(c.muted))[Scan to verify] \
    #text(size: 6.5pt, fill: rgb(c.muted), d.verify_url)
  ],
)

#rect(width: 100%, height: 0pt, stroke: (top: 1.2pt + rgb(c.accent)))
#v(-0.3cm)
#header
#v(0.1cm)
#details
#v(0.1cm)
#objectives
#v(1fr)
#footer

#if sys.inputs.at("measure", default: none) != none {
  layout(size => {
    let parts = (
      ("the name, registration number and activity title", header),
      ("the details (format and venue)", details),
      ("the " + str(d.objectives.len()) + " learning objectives", objectives),
      ("the accreditation statement, signatory and QR code", footer),
    )
    for (name, body) in parts {
      [#metadata((part: name, height: measure(body, width: size.width).height.pt()))<part>]
    }
    [#metadata((part: "page", height: (210mm - margin.top - margin.bottom).pt()))<part>]
  })
}
"""
