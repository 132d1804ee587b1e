#!/usr/bin/python3
"""Extracts the columns the simulator's ADC energy envelope needs from B. Murmann's ADC Performance Survey
spreadsheet (github bmurmann/ADC-survey, xls/ADCsurvey_latest.xlsx) into a small CSV.

Usage: /usr/bin/python3 scripts/adc-survey-extract.py ADCsurvey_latest.xlsx > data/adc-survey/adc-survey.csv
Needs Debian's python3-openpyxl. Rows without SNDR or P/fsnyq are left out.
"""
import csv
import sys

import openpyxl

COLUMNS = ['YEAR', 'ID', 'TYPE', 'ARCHITECTURE', 'SNDR_plot [dB]', 'P/fsnyq [pJ]']


def main(path: str) -> None:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = csv.writer(sys.stdout, lineterminator='\n')
    out.writerow(['venue', 'year', 'id', 'type', 'architecture', 'sndr_db', 'energy_pj'])
    for venue in ('ISSCC', 'VLSI'):
        rows = book[venue].iter_rows(values_only=True)
        header = list(next(rows))
        at = [header.index(c) for c in COLUMNS]
        for row in rows:
            year, ident, kind, arch, sndr, energy = (row[i] for i in at)
            if not isinstance(sndr, (int, float)) or not isinstance(energy, (int, float)):
                continue
            arch = ' '.join(str(arch or '').replace(',', ';').split())  # no commas: a plain split reads the CSV
            out.writerow([venue, year, ident, kind, arch, f'{sndr:.6g}', f'{energy:.6g}'])


if __name__ == '__main__':
    main(sys.argv[1])
