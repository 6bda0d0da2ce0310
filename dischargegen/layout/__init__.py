"""Layout: fonts, styles, flowables and the page frame that turn a document tree into PDF bytes."""
