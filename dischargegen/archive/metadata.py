"""The XMP metadata that PDF/A and PDF/UA read: the document information dictionary's entries
again (they must agree), the language, and the conformance claimed (``pdfaid``, ``pdfuaid``).

Written as text rather than through pikepdf's XMP model: it is a few fixed lines, and the model
costs lxml's import. PDF/A-2 admits only the schemas it predefines; PDF/UA's ``pdfuaid`` is
declared with the PDF/A extension schema (ISO 19005-2, 6.6.2.3).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pikepdf

_PDF_DATE = re.compile(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:([+-])(\d\d)'(\d\d)'?|Z)?")
_EMPTY_DROPPED = ("/Author", "/Keywords", "/Subject", "/Trapped")  # ReportLab writes them empty too


class Claim(NamedTuple):
    """What the XMP declares: the PDF/A part and conformance, and the PDF/UA part (or none)."""

    pdfa_part: int
    pdfa_conformance: str
    pdfua_part: int | None


def xmp_date(pdf_date: str) -> str:
    """``D:20231114221320+00'00'`` as XMP writes it: ``2023-11-14T22:13:20+00:00``."""
    match = _PDF_DATE.match(pdf_date)
    if match is None:
        raise ValueError(f"not a PDF date: {pdf_date!r}")
    year, month, day, hour, minute, second, sign, zone_h, zone_m = match.groups()
    zone = f"{sign}{zone_h}:{zone_m}" if sign else "Z"
    return f"{year}-{month}-{day}T{hour}:{minute}:{second}{zone}"


def _text(value: object) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xmp_packet(info: pikepdf.Dictionary, language: str, claim: Claim) -> bytes:
    """The XMP packet for a PDF whose document information is ``info``."""
    title = _text(info.get("/Title", ""))
    lines = [
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>',
        f"<dc:language><rdf:Bag><rdf:li>{_text(language)}</rdf:li></rdf:Bag></dc:language>",
        "<dc:format>application/pdf</dc:format>",
    ]
    if "/Author" in info:
        lines.append(f"<dc:creator><rdf:Seq><rdf:li>{_text(info.Author)}</rdf:li></rdf:Seq></dc:creator>")
    if "/Subject" in info:
        subject = _text(info.Subject)
        lines.append(
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>'
        )
    for key, name in (("/Creator", "xmp:CreatorTool"), ("/Producer", "pdf:Producer"), ("/Keywords", "pdf:Keywords")):
        if info.get(key):
            lines.append(f"<{name}>{_text(info[key])}</{name}>")
    for key, name in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        if info.get(key):
            lines.append(f"<{name}>{xmp_date(str(info[key]))}</{name}>")
    lines += [
        f"<pdfaid:part>{claim.pdfa_part}</pdfaid:part>",
        f"<pdfaid:conformance>{claim.pdfa_conformance}</pdfaid:conformance>",
    ]
    if claim.pdfua_part is not None:
        lines += [f"<pdfuaid:part>{claim.pdfua_part}</pdfuaid:part>", _PDFUA_EXTENSION]
    body = "\n".join(lines)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'<rdf:Description rdf:about="" {_NAMESPACES}>\n{body}\n</rdf:Description>\n'
        "</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


_NAMESPACES = " ".join(
    f'xmlns:{prefix}="{uri}"'
    for prefix, uri in (
        ("dc", "http://purl.org/dc/elements/1.1/"),
        ("xmp", "http://ns.adobe.com/xap/1.0/"),
        ("pdf", "http://ns.adobe.com/pdf/1.3/"),
        ("pdfaid", "http://www.aiim.org/pdfa/ns/id/"),
        ("pdfuaid", "http://www.aiim.org/pdfua/ns/id/"),
        ("pdfaExtension", "http://www.aiim.org/pdfa/ns/extension/"),
        ("pdfaSchema", "http://www.aiim.org/pdfa/ns/schema#"),
        ("pdfaProperty", "http://www.aiim.org/pdfa/ns/property#"),
    )
)
_PDFUA_EXTENSION = """<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>"""


def add_metadata(pdf: pikepdf.Pdf, language: str, claim: Claim) -> None:
    """Write the XMP packet (uncompressed, as PDF/A asks) and drop the document information
    entries that would have no match in it."""
    info = pdf.docinfo
    for key in _EMPTY_DROPPED:
        if key in info and (key == "/Trapped" or not str(info[key])):
            del info[key]
    stream = pikepdf.Stream(pdf, xmp_packet(info, language, claim))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = pdf.make_indirect(stream)
