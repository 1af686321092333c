// The header row every console table has: column names, numeric columns right-aligned (class "num") so their
// figures line up with the cells below.

/** `columns` are the names in order; a leading "#" marks a numeric column, e.g. "#lag". */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) =>
          column.startsWith('#') ? (
            <th key={column} scope="col" class="num">
              {column.slice(1)}
            </th>
          ) : (
            <th key={column} scope="col">
              {column}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
