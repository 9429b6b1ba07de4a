"""Client companies (контрагенты), their INN and their contacts."""
