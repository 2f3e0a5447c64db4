/** What a paged list needs under its rows: "nothing here" when empty, and "Load more" while pages remain. */
export function ListFooter(props: {
  list: {
    isPending: boolean;
    hasNextPage: boolean;
    isFetchingNextPage: boolean;
    fetchNextPage: () => Promise<unknown>;
  };
  count: number;
  empty: string;
}) {
  const { list } = props;
  return (
    <>
      {!list.isPending && props.count === 0 && <p className="empty">{props.empty}</p>}
      {list.hasNextPage && (
        <button
          type="button"
          className="more"
          onClick={() => void list.fetchNextPage()}
          disabled={list.isFetchingNextPage}
        >
          {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  );
}
