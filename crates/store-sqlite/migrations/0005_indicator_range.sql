-- 0005 indicator range: the values an indicator's level may take (an import refuses others:
-- a negative land area, a share over 100 %). NULL is an open bound. The other backend has a
-- migration with the same number and the same meaning.

ALTER TABLE indicators ADD COLUMN valid_min REAL;
ALTER TABLE indicators ADD COLUMN valid_max REAL;
