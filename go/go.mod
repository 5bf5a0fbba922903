module cloudconnexa

go 1.19
