"""The document's description, twice, in agreement: the document information dictionary that
ReportLab writes (:class:`DocumentInfo`) and the XMP metadata that PDF/A and PDF/UA read
(:func:`xmp_stream`), with the language and the conformance claimed (``pdfaid``, ``pdfuaid``).

Both are made from the same values: the title, author, subject, keywords, creator and producer
that ReportLab was given, and ReportLab's own timestamp (``invariant`` in a deterministic build:
2000-01-01 UTC). An entry that is empty is written in neither, nor is ``/Trapped``. The dates
are written here rather than by ReportLab, which would get a half-hour zone's offset wrong.

The XMP is written as text: it is a few fixed lines. PDF/A-2 admits only the schemas it
predefines; PDF/UA's ``pdfuaid`` is declared with the PDF/A extension schema (ISO 19005-2,
6.6.2.3).
"""

from __future__ import annotations

import time
from typing import NamedTuple

from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFDocument, PDFInfo, PDFName, PDFStream, PDFString

# the information entries the XMP repeats, in the order written: Info key -> PDFInfo attribute
_ENTRIES = {
    "Title": "title",
    "Author": "author",
    "Subject": "subject",
    "Keywords": "keywords",
    "Creator": "creator",
    "Producer": "producer",
}


class Claim(NamedTuple):
    """What the XMP declares: the PDF/A part and conformance, and the PDF/UA part (or none)."""

    pdfa_part: int
    pdfa_conformance: str
    pdfua_part: int | None


def _zone(stamp: TimeStamp) -> tuple[str, int, int]:
    """The UTC offset of ``stamp``'s local time: sign, hours, minutes. ReportLab's own offset
    (``dhh``, ``dmm``) drops the minutes of a zone such as India's; the offset is taken again
    from the same moment (``stamp.t``). An invariant stamp is UTC."""
    offset = 0 if stamp.tzname == "UTC" else time.localtime(stamp.t).tm_gmtoff
    hours, minutes = divmod(abs(offset) // 60, 60)
    return ("-" if offset < 0 else "+"), hours, minutes


def pdf_date(stamp: TimeStamp) -> str:
    """ReportLab's timestamp as the document information writes it: ``D:20001231235959+05'30'``."""
    year, month, day, hour, minute, second = stamp.YMDhms
    sign, hours, minutes = _zone(stamp)
    return f"D:{year:04d}{month:02d}{day:02d}{hour:02d}{minute:02d}{second:02d}{sign}{hours:02d}'{minutes:02d}'"


def xmp_date(stamp: TimeStamp) -> str:
    """The same moment as XMP writes it: ``2000-12-31T23:59:59+05:30``."""
    year, month, day, hour, minute, second = stamp.YMDhms
    sign, hours, minutes = _zone(stamp)
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{sign}{hours:02d}:{minutes:02d}"


class DocumentInfo(PDFInfo):
    """ReportLab's document information dictionary with only the entries that have a value (an
    empty one would have no match in the XMP) and no ``/Trapped``; the dates are
    :func:`pdf_date`'s. Takes the place of the document's own (:func:`replace_info`)."""

    def entries(self) -> dict[str, str]:
        """The entries that have a value: Info key -> text."""
        found = {key: str(getattr(self, attribute) or "") for key, attribute in _ENTRIES.items()}
        return {key: value for key, value in found.items() if value}

    def format(self, document: PDFDocument) -> bytes:
        written: dict[str, object] = {key: PDFString(value) for key, value in self.entries().items()}
        written["CreationDate"] = written["ModDate"] = PDFString(pdf_date(document._timeStamp))  # type: ignore[attr-defined]  # ReportLab's timestamp, not in its stubs
        return PDFDictionary(written).format(document)


def replace_info(document: PDFDocument) -> DocumentInfo:
    """Put a :class:`DocumentInfo` with the values ReportLab was given in place of the document's."""
    info = DocumentInfo()
    info.__dict__.update(document.info.__dict__)
    document.info = info
    return info


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xmp_packet(info: DocumentInfo, stamp: TimeStamp, language: str, claim: Claim) -> bytes:
    """The XMP packet that repeats ``info`` (its dates ``stamp``) and claims ``claim``."""
    entries = {key: _text(value) for key, value in info.entries().items()}
    title = entries.get("Title", "")
    lines = [
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>',
        f"<dc:language><rdf:Bag><rdf:li>{_text(language)}</rdf:li></rdf:Bag></dc:language>",
        "<dc:format>application/pdf</dc:format>",
    ]
    if "Author" in entries:
        lines.append(f"<dc:creator><rdf:Seq><rdf:li>{entries['Author']}</rdf:li></rdf:Seq></dc:creator>")
    if "Subject" in entries:
        subject = entries["Subject"]
        lines.append(
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>'
        )
    for key, name in (("Creator", "xmp:CreatorTool"), ("Producer", "pdf:Producer"), ("Keywords", "pdf:Keywords")):
        if key in entries:
            lines.append(f"<{name}>{entries[key]}</{name}>")
    date = xmp_date(stamp)
    lines += [
        f"<xmp:CreateDate>{date}</xmp:CreateDate>",
        f"<xmp:ModifyDate>{date}</xmp:ModifyDate>",
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


def xmp_stream(document: PDFDocument, language: str, claim: Claim) -> PDFStream:
    """The metadata stream (uncompressed, as PDF/A asks) of ``document``, whose information
    dictionary it replaces with a :class:`DocumentInfo` so that the two agree."""
    info = replace_info(document)
    packet = xmp_packet(info, document._timeStamp, language, claim)  # type: ignore[attr-defined]  # as in DocumentInfo
    return PDFStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}), packet)


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
