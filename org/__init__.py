"""The organisation as HR systems export it: parsing and validating employee files."""
