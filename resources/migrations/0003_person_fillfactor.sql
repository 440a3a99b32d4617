-- Room on every page of person for a new version of each of its rows: a file that updates
-- every person then writes HOT updates (same page, no new email_u or primary-key entries;
-- none of the updated columns is indexed) instead of a new index entry per row and index.
-- Half-full pages double person's size (~60 B rows: ~120 MB per million persons).
alter table person set (fillfactor = 50);
