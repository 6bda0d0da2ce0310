"""The post-processing stage: the laid-out PDF made archival and accessible (PDF/A, PDF/UA).

ReportLab writes neither. :func:`.finish.finish` is given ReportLab's document by the layout's
canvas when its pages are done, just before it is written, and adds, as ReportLab's own PDF
objects, what the profile (:class:`dischargegen.model.PdfProfile`) claims: the sRGB output
intent (:mod:`.color`), the XMP metadata that declares the conformance and the document
information that agrees with it (:mod:`.metadata`), the structure tree that the layout marked
while drawing (:mod:`.structure`), and the mending of what ReportLab writes that PDF/A forbids
(font subsets' ToUnicode maps and advances, :mod:`.widths`; stream framing). No PDF is parsed
or written again. This package is imported only when a profile other than ``plain`` is used.
"""
