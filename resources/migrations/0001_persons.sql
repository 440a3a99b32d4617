-- Persons (seed 000): people keyed by email, their genders, and every IP seen for them.

create table gender (
    id          serial primary key,
    gender_type text not null,
    constraint gender_type_u unique (gender_type)
);

-- The seed's eight genders, so ids are stable across environments.
insert into gender (gender_type) values
    ('genderfluid'), ('bigender'), ('male'), ('non-binary'),
    ('female'), ('agender'), ('genderqueer'), ('polygender');

create table person (
    id         serial primary key,
    first_name text not null,
    last_name  text not null,
    email      text not null,
    gender_id  int references gender (id),
    constraint email_u unique (email)
);

create table person_ip (
    person_id int  not null references person (id),
    ip        inet not null,
    constraint person_id_ip_u unique (person_id, ip)
);
